-- Emission intensity in kg CO2e per thousand SEK of spend; null when there is no positive spend to divide by.
create or replace macro intensity_kg_co2e_per_ksek(emissions_kg_co2e, spend_sek) as
    case when spend_sek > 0 then emissions_kg_co2e / spend_sek * 1000 end
