"""Computing a year as a run in the background.
"""

from __future__ import annotations


from starlette.responses import Response

from ...access import audit
from ...engine import marts, review, runs
from ..routing import Ctx, NotFound, own_organisation, page, url


def _run_estimate(con, year: int, organisation_id: str | None) -> float | None:
    row = con.execute("""select epoch(finished_at - started_at) from web_job
                         where kind = 'run' and status = 'done' and json_extract(params, '$.year')::int = ?
                         and coalesce(json_extract_string(params, '$.organisation_id'), '') = ?
                         order by job_id desc limit 1""", [year, organisation_id or ""]).fetchone()
    return float(row[0]) if row and row[0] else None


@page("/runs", roles=("reviewer",), methods=("POST",))
def run_compute(ctx: Ctx) -> Response:
    """Compute a year (for one organisation) in the background with the current mappings; audit it."""
    try:
        year = int(ctx.form.get("year", ""))
    except ValueError:
        return ctx.error(400, "Cannot be done", ctx.t("Year must be a year such as 2024."))
    org = ctx.form.get("organisation_id") or None
    if org is not None:
        own_organisation(ctx, org)
    elif not ctx.sees_everything():
        raise NotFound()        # a run over all organisations is the group view: for users who see them all
    chosen_map = review.mapping_for_run(ctx.con, year, org)
    prev = ctx.con.execute("""select factor_set_id from run where year = ? and organisation_id is not distinct from ?
                              and status = 'complete' order by run_id desc limit 1""", [year, org]).fetchone()
    factors = prev[0] if prev else None
    estimate = _run_estimate(ctx.con, year, org)
    user, ip = ctx.user, ctx.ip

    def job(jc):
        jc.progress("computing emissions", estimate_s=estimate, basis="left (estimated from the previous run)")
        result = runs.compute_run(jc.con, year, factors=factors, mapping=chosen_map, organisation_id=org,
                                  created_by=user.username, note="web")
        totals = marts.read(jc.con, "run_totals", result.run_id)[0]
        detail = {"year": year, "organisation_id": org, "run_id": result.run_id,
                  "factor_set": f"{result.factor_set_id}@{result.factor_set_version}",
                  "mapping": f"{result.mapping_id}@{result.mapping_version}",
                  "total_emissions_kg_co2e": totals["total_emissions_kg_co2e"],
                  "total_spend_sek": totals["total_spend_sek"], "unmapped_spend_sek": totals["unmapped_spend_sek"],
                  "seconds": round(result.timings.get("total", 0), 2)}
        audit.record(jc.con, "run.compute", actor=user.username, actor_role=user.role, object_kind="run",
                     object_id=result.run_id, detail=detail, ip=ip)
        return detail, url("/dashboard", run=result.run_id)

    job_id = ctx.state.jobs.submit("run", job, params={"year": year, "organisation_id": org, "mapping": chosen_map},
                                   created_by=user.username)
    return ctx.redirect(f"/jobs/{job_id}")
