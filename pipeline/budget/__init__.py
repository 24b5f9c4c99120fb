"""Carbon budget follow-up (koldioxidbudget): paths, allocation, follow-up, territorial data and definitions.

Modules: `paths` (yearly budget paths), `allocation` (shares to departments/companies), `followup`
(deviation, remaining budget, runs-out date, needed reduction, verdict), `territorial` (the 290
municipalities' geographic budgets). See docs/budget.md for the method.
"""
