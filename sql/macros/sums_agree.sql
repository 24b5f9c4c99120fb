-- Two sums of the same doubles agree: equal up to the last digits in which a sum of doubles may differ when its
-- terms are added in another order (parallel aggregation), i.e. within a millionth of the larger magnitude (at
-- least 1e-6). Nulls agree with nulls only.
create or replace macro sums_agree(a, b) as
    (a is null and b is null)
    or coalesce(abs(a - b) <= 1e-6 * greatest(1, abs(a), abs(b)), false)
