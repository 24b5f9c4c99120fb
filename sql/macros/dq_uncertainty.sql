-- Relative uncertainty added by a line's data-quality level (1 best .. 5): how far the rule that priced it may be
-- from what was really bought. klimatspend's judgement, docs/method.md section 6.
create or replace macro dq_uncertainty(dq) as
    case dq when 1 then 0.0 when 2 then 0.1 when 3 then 0.2 when 4 then 0.35 else 0.5 end
