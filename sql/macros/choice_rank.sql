-- Which classification an account shows when its lines were classified in several ways (the marts
-- emissions_by_account and mapping_review, so that both show the same one): the choice of rule level, category,
-- factor and exclusion reason with the largest part of the account's spend by absolute amount; on a tie the first
-- in alphabetical order of rule level, factor, category, factor set and exclusion reason. The smallest rank wins:
-- arg_min(choice, choice_rank(...)).
create or replace macro choice_rank(weight, rule_level, factor_code, category_id, factor_set_id, factor_set_version,
                                    exclusion_reason) as
    row(-weight, rule_level, factor_code, category_id, factor_set_id, factor_set_version, exclusion_reason)
