"""The embedded demo: `generator` writes the fictional Älvby kommun's ledgers, its housing company's workbook and
a supplier register (deterministic), and `scenario` loads the demo's carbon budget and investment plan
(files in demo/inputs/). `klimatspend demo` (pipeline/cli/demo.py) runs the whole pipeline on them."""
