-- What kind of energy an industry code (NACE Rev. 2 digits) stands for: electricity (35.1), heat (35.3, district
-- heating) or fuel (19 coke and refined petroleum, 35.2 gas, 05 coal, 46.71 fuel wholesale, 47.3 filling
-- stations); null for anything else. Fuels burnt by the organisation are scope 1: their spend factor covers the
-- supply chain only.
create or replace macro energy_kind(industry_code) as
    case
        when starts_with(industry_code, '351') then 'electricity'
        when starts_with(industry_code, '353') then 'heat'
        when starts_with(industry_code, '19') or starts_with(industry_code, '352') or starts_with(industry_code, '05')
             or starts_with(industry_code, '4671') or starts_with(industry_code, '473') then 'fuel'
    end
