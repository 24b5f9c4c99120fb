"""Reports people read: `data` gathers every figure once from the marts, `sections` adds the budget and
investment sections, `excel` writes the workbook for finance, `html` the self-contained climate report, and
`charts` draws the SVG charts. Templates and report SQL live in the top-level reports/ folder."""
