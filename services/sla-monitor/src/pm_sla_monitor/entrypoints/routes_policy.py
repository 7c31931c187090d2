"""The SLA policy of an estate (时限标准): read, replace (applies to clocks started from then on), history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from pm_common.api import require_estate
from pm_common.auth import Principal
from pm_common.service import runtime_of
from pm_common.sla import SlaPolicy
from pm_sla_monitor.entrypoints.permissions import allowed
from pm_sla_monitor.entrypoints.schemas import PolicyDocument, PolicyHistory, SavedPolicy

router = APIRouter(prefix="/v1/estates/{estate_id}", tags=["sla policy"])


@router.get(
    "/sla-policy", response_model=PolicyDocument, summary="时限标准 / the estate's SLA policy (defaults: DOMAIN §4, §9)"
)
async def get_policy(
    request: Request, principal: Annotated[Principal, allowed("sla.policy.read")], estate_id: str
) -> dict[str, Any]:
    require_estate(principal, estate_id)
    config = runtime_of(request).state["config"]
    doc = await config.policy_document(estate_id) or {}
    policy, own = await config.policy(estate_id)
    return {
        "estate_id": estate_id,
        "policy": policy.model_dump(mode="json"),
        "own": own,
        "revision": doc.get("revision", 0),
        "updated_by": doc.get("updated_by"),
        "updated_at": doc.get("updated_at"),
    }


@router.put(
    "/sla-policy",
    response_model=SavedPolicy,
    summary="设置时限标准 / replace the estate's SLA policy (per category, grade, ladder)",
)
async def put_policy(
    request: Request,
    principal: Annotated[Principal, allowed("sla.policy.write")],
    estate_id: str,
    body: Annotated[
        SlaPolicy,
        Body(
            examples=[
                {
                    "repair_working_days": 3,
                    "warning_fractions": [0.5, 0.8],
                    "by_category": {"fees_finance": {"complaint_working_days": 5}},
                }
            ]
        ),
    ],
) -> dict[str, Any]:
    require_estate(principal, estate_id)
    doc = await runtime_of(request).state["config"].save_policy(estate_id, body, principal.sub, datetime.now(UTC))
    return {"estate_id": estate_id, "policy": doc["policy"], "revision": doc["revision"], "updated_by": principal.sub}


@router.get(
    "/sla-policy/history",
    response_model=PolicyHistory,
    summary="时限标准变更记录 / every revision of the estate's policy, newest first",
)
async def policy_history(
    request: Request, principal: Annotated[Principal, allowed("sla.policy.read")], estate_id: str
) -> dict[str, Any]:
    require_estate(principal, estate_id)
    entries = await runtime_of(request).state["config"].policy_history(estate_id)
    return {
        "estate_id": estate_id,
        "revisions": [{k: e.get(k) for k in ("revision", "policy", "updated_by", "updated_at")} for e in entries],
    }
