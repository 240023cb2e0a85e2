"""FailedCreate messages parsed into the refusal kubemedic explains: quota, PodSecurity, ..."""

from __future__ import annotations

from kubemedic.analyzers._admission import (
    LimitRangeViolation,
    MissingServiceAccount,
    PodSecurityViolation,
    QuotaExceeded,
    QuotaNeedsValues,
    Unrecognised,
    WebhookDenied,
    WebhookUnavailable,
    parse_rejection,
)

PREFIX = 'Error creating: pods "web-7d9f8b6c5-x2k4q" is forbidden: '


def test_quota_message_gives_each_resource_and_only_the_exceeded_ones_count() -> None:
    rejection = parse_rejection(
        PREFIX + "exceeded quota: mem-cpu-demo, requested: limits.cpu=800m,limits.memory=1Gi,"
        "requests.cpu=400m,requests.memory=700Mi, used: limits.cpu=1800m,limits.memory=1056Mi,"
        "requests.cpu=900m,requests.memory=728Mi, limited: limits.cpu=2,limits.memory=2Gi,"
        "requests.cpu=1,requests.memory=1Gi"
    )
    assert isinstance(rejection, QuotaExceeded)
    assert rejection.quota == "mem-cpu-demo"
    assert [u.resource for u in rejection.usage] == [
        "limits.cpu",
        "limits.memory",
        "requests.cpu",
        "requests.memory",
    ]
    # 800m + 1800m > 2 cores, 1Gi + 1056Mi > 2Gi, 400m + 900m > 1, 700Mi + 728Mi > 1Gi
    assert [u.resource for u in rejection.exceeded] == [u.resource for u in rejection.usage]
    memory = rejection.usage[1]
    assert memory.free == 2 * 2**30 - 1056 * 2**20


def test_quota_on_object_counts_is_parsed_too() -> None:
    rejection = parse_rejection(
        PREFIX + "exceeded quota: compute-quota, requested: pods=1, used: pods=10, limited: pods=10"
    )
    assert isinstance(rejection, QuotaExceeded)
    (usage,) = rejection.exceeded
    assert (usage.resource, usage.requested, usage.used, usage.limited) == ("pods", "1", "10", "10")
    assert usage.free == 0


def test_quota_that_requires_limits_names_the_containers() -> None:
    rejection = parse_rejection(
        PREFIX + "failed quota: saas-team-quota: must specify limits.cpu for: app,sidecar; "
        "limits.memory for: app"
    )
    assert rejection == QuotaNeedsValues(
        "saas-team-quota", (("limits.cpu", ("app", "sidecar")), ("limits.memory", ("app",)))
    )


def test_older_quota_message_without_containers() -> None:
    rejection = parse_rejection(PREFIX + "failed quota: q: must specify limits.cpu,limits.memory")
    assert rejection == QuotaNeedsValues("q", (("limits.cpu", ()), ("limits.memory", ())))


def test_limit_range_violations_are_listed_one_by_one() -> None:
    rejection = parse_rejection(
        PREFIX + "[maximum memory usage per Container is 1Gi, but limit is 2Gi, memory max limit "
        "to request ratio per Container is 2, but provided ratio is 4.000000]"
    )
    assert rejection == LimitRangeViolation(
        (
            "maximum memory usage per Container is 1Gi, but limit is 2Gi",
            "memory max limit to request ratio per Container is 2, but provided ratio is 4.000000",
        )
    )


def test_pod_security_checklist_keeps_commas_inside_details() -> None:
    rejection = parse_rejection(
        PREFIX + 'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
        '(containers "migrate", "app" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "app" must set securityContext.capabilities.drop='
        '["ALL"]), host namespaces (hostNetwork=true, hostPID=true), seccompProfile (pod or '
        'container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or '
        '"Localhost")'
    )
    assert isinstance(rejection, PodSecurityViolation)
    assert rejection.profile == "restricted:latest"
    assert [c.check for c in rejection.checks] == [
        "allowPrivilegeEscalation != false",
        "unrestricted capabilities",
        "host namespaces",
        "seccompProfile",
    ]
    assert rejection.checks[0].containers == ("migrate", "app")
    assert rejection.checks[1].containers == ("app",)
    assert rejection.checks[2].detail == "hostNetwork=true, hostPID=true"
    assert rejection.checks[2].containers == ()


def test_missing_service_account() -> None:
    rejection = parse_rejection(
        PREFIX + 'error looking up service account shop/builder: serviceaccount "builder" not found'
    )
    assert rejection == MissingServiceAccount("shop", "builder")


def test_webhook_denial_keeps_the_policy_message() -> None:
    rejection = parse_rejection(
        'Error creating: admission webhook "validation.gatekeeper.sh" denied the request: '
        '[require-team-label] you must provide labels: {"team"}'
    )
    assert rejection == WebhookDenied(
        "validation.gatekeeper.sh", '[require-team-label] you must provide labels: {"team"}'
    )


def test_unreachable_webhook_names_its_service() -> None:
    rejection = parse_rejection(
        'Error creating: Internal error occurred: failed calling webhook "mpod.elbv2.k8s.aws": '
        'failed to call webhook: Post "https://aws-load-balancer-webhook-service.kube-system.svc'
        ':443/mutate-v1-pod?timeout=10s": no endpoints available for service '
        '"aws-load-balancer-webhook-service"'
    )
    assert isinstance(rejection, WebhookUnavailable)
    assert rejection.webhook == "mpod.elbv2.k8s.aws"
    assert rejection.service == "kube-system/aws-load-balancer-webhook-service"


def test_anything_else_is_kept_verbatim() -> None:
    message = PREFIX + "unable to validate against any security context constraint"
    assert parse_rejection(message) == Unrecognised(message)
