-- The range of a spend-based estimate E (docs/method.md section 6), as multipliers of E:
--   s     = sqrt( ln(1 + u_set)^2 + ln(1 + u_dq)^2 )        u_set: the factor set's stated relative uncertainty,
--                                                           u_dq: the line's data-quality level (dq_uncertainty)
--   upper = E x exp( sqrt( s^2 + max(0,  ln r_max)^2 ) )    r = E_alternative / E for the same line under each
--   lower = E x exp( -sqrt( s^2 + max(0, -ln r_min)^2 ) )   other applicable set (1 when none applies)
-- so the range always contains what the other sets say, and widens only on their side.
create or replace macro spend_range(u_set, dq, r_min, r_max) as struct_pack(
    lower_multiplier := exp(-sqrt(ln(1 + u_set) ^ 2 + ln(1 + dq_uncertainty(dq)) ^ 2
                                  + greatest(0, -ln(greatest(coalesce(r_min, 1), 1e-6))) ^ 2)),
    upper_multiplier := exp(sqrt(ln(1 + u_set) ^ 2 + ln(1 + dq_uncertainty(dq)) ^ 2
                                 + greatest(0, ln(greatest(coalesce(r_max, 1), 1e-6))) ^ 2))
)
