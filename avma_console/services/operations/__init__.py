"""Write actions on guests and hosts: push AVMA keys, enable Data Exchange, clean up stale AVMA KVP data.

Every action has two steps. `plan_*` is pure: from a scan's snapshot and the operator's selection to one item
per VM saying what will happen, or why it is refused. `execute_*` (or `execute_plan`, for any of them) carries
a plan out through the one `runner`: at most `concurrency` VMs at once, every VM's result reported as it
arrives, every attempt (and every refusal) recorded in the audit log before it is reported.

Layout: `model` (the shared vocabulary and plan/result frames), `access` (reaching hosts and guests),
`runner` (the loop every action goes through), and one module per action declaring only what differs
(`push_key`, `enable_kvp`, `kvp_cleanup`). A new action is one module with a plan function, a result
dataclass and an `ActionSpec`, plus one line in `execute_plan`.
"""

from __future__ import annotations

from typing import Unpack

from avma_console.services.operations.access import (
    GuestAddress,
    GuestCredential,
    GuestCredentials,
    HostAccess,
    find_address,
    host_account,
    remote_message,
    run_script,
)
from avma_console.services.operations.enable_kvp import (
    ENABLE_KVP,
    KvpEnablePlan,
    KvpEnablePlanItem,
    KvpEnableResult,
    execute_kvp_enable,
    plan_kvp_enable,
)
from avma_console.services.operations.kvp_cleanup import (
    KVP_CLEANUP,
    KvpCleanupPlan,
    KvpCleanupPlanItem,
    KvpCleanupResult,
    KvpItemResult,
    execute_kvp_cleanup,
    has_stale_kvp,
    like,
    plan_kvp_cleanup,
)
from avma_console.services.operations.model import (
    DEFAULT_CONCURRENCY,
    OVERRIDE_HINT,
    AccessPath,
    Action,
    OperationError,
    Refusal,
    ResultStatus,
    Target,
    needs_guest_winrm,
    reachable_targets,
    refusal_text,
    select_vms,
)
from avma_console.services.operations.push_key import (
    PUSH_KEY,
    PushPlan,
    PushPlanItem,
    PushResult,
    eligible_for_push,
    execute_push,
    plan_push,
)
from avma_console.services.operations.runner import (
    DEFAULT_SETTLE_SECONDS,
    OperationProgress,
    RunContext,
    Runner,
    RunOptions,
    base_details,
    record_or_stop,
    run_all,
)

AnyPlan = PushPlan | KvpEnablePlan | KvpCleanupPlan
AnyResult = PushResult | KvpEnableResult | KvpCleanupResult


async def execute_plan(plan: AnyPlan, context: RunContext, **options: Unpack[RunOptions]) -> list[AnyResult]:
    """Carry out a plan of any action through the one runner (what the GUI and the CLI both call)."""
    results: list[AnyResult] = []
    if isinstance(plan, PushPlan):
        results += await Runner(PUSH_KEY).execute(plan.items, context, **options)
    elif isinstance(plan, KvpEnablePlan):
        results += await Runner(ENABLE_KVP).execute(plan.items, context, **options)
    else:
        results += await Runner(KVP_CLEANUP).execute(plan.items, context, **options)
    return results


__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_SETTLE_SECONDS",
    "OVERRIDE_HINT",
    "AccessPath",
    "Action",
    "AnyPlan",
    "AnyResult",
    "GuestAddress",
    "GuestCredential",
    "GuestCredentials",
    "HostAccess",
    "KvpCleanupPlan",
    "KvpCleanupPlanItem",
    "KvpCleanupResult",
    "KvpEnablePlan",
    "KvpEnablePlanItem",
    "KvpEnableResult",
    "KvpItemResult",
    "OperationError",
    "OperationProgress",
    "PushPlan",
    "PushPlanItem",
    "PushResult",
    "Refusal",
    "ResultStatus",
    "RunContext",
    "RunOptions",
    "Runner",
    "Target",
    "base_details",
    "eligible_for_push",
    "execute_kvp_cleanup",
    "execute_kvp_enable",
    "execute_plan",
    "execute_push",
    "find_address",
    "has_stale_kvp",
    "host_account",
    "like",
    "needs_guest_winrm",
    "plan_kvp_cleanup",
    "plan_kvp_enable",
    "plan_push",
    "reachable_targets",
    "record_or_stop",
    "refusal_text",
    "remote_message",
    "run_all",
    "run_script",
    "select_vms",
]
