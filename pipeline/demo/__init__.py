"""The embedded demo: `generator` writes the fictional Älvby kommun's ledgers, its housing company's workbook and
a supplier register (deterministic; its catalogues are data files in demo/catalogues/ read by `catalogues`, and
the steps it uses sit next to it), and `scenario` loads the demo's carbon budget and investment plan (files in
demo/inputs/). `klimatspend demo` (pipeline/cli/demo.py) runs the whole pipeline on them."""
