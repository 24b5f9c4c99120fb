-- Which rule speaks for a classification (rule level, category, factor and exclusion reason; see choice_rank) that
-- several rules gave an account's lines: the rule with the largest part of that spend by absolute amount, on a tie
-- the first in alphabetical order. Its rule id and method (emissions_by_account) or its supplier's industry
-- (mapping_review) are shown with the classification. The smallest rank wins: arg_min(rule, rule_rank(...)).
create or replace macro rule_rank(weight, rule_id) as row(-weight, rule_id)
