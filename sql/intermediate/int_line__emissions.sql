-- Emissions per ledger line (DESIGN.md section 5), with its provenance and the key of its decision: each line's
-- amounts (int_line__inputs) times what its input key decided (int_line_keys__priced), by the macro emissions_of_lines.
-- A run stores the distinct decisions once (macro decisions_of_keys -> run_decision) and per line only amounts,
-- emissions and bounds (macro results_of_lines -> run_line); the view `line_emission` (migration 0050) joins them
-- back with the ledger line. compute_run materialises the keys once instead of reading this view.
with final as (
    select * from emissions_of_lines('int_line__inputs', 'int_line_keys__priced')
)

select * from final
