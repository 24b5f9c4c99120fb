-- A ledger amount without VAT, in the ledger's currency: the VAT column where the export has one, else the amount
-- divided by 1 + the run's VAT rate (variable vat_rate) when the organisation's amounts include VAT, else as booked.
create or replace macro amount_net(amount, vat_amount, amounts_include_vat) as
    case
        when amounts_include_vat and vat_amount is not null then amount - vat_amount
        when amounts_include_vat then amount / (1 + getvariable('vat_rate'))
        else amount
    end
