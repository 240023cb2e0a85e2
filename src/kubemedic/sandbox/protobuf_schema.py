"""Field numbers of the Kubernetes messages kubectl encodes as protobuf (``generated.proto``).

One line per field: ``number name`` is a string, ``:type`` names another type (``int``,
``bool``, ``bytes``, ``double``, a message, or ``map:<value type>``), ``*`` marks a repeated
field and ``^`` an embedded struct whose fields JSON inlines. The set covers what kubectl's
generators, ``autoscale`` and ``drain`` send, and the pod template they carry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Field:
    number: int
    name: str
    type: str = "string"
    repeated: bool = False
    inline: bool = False


_SPECS: dict[str, str] = {
    # meta/v1 and friends
    "ObjectMeta": "1 name; 2 generateName; 3 namespace; 4 selfLink; 5 uid; 6 resourceVersion;"
    " 7 generation:int; 8 creationTimestamp:Time; 9 deletionTimestamp:Time;"
    " 10 deletionGracePeriodSeconds:int; 11 labels:map:string; 12 annotations:map:string;"
    " 13 ownerReferences:OwnerReference*; 14 finalizers*",
    "OwnerReference": "1 kind; 3 name; 4 uid; 5 apiVersion; 6 controller:bool;"
    " 7 blockOwnerDeletion:bool",
    "LabelSelector": "1 matchLabels:map:string; 2 matchExpressions:LabelSelectorRequirement*",
    "LabelSelectorRequirement": "1 key; 2 operator; 3 values*",
    "DeleteOptions": "1 gracePeriodSeconds:int; 2 preconditions:Preconditions;"
    " 3 orphanDependents:bool; 4 propagationPolicy; 5 dryRun*",
    "Preconditions": "1 uid; 2 resourceVersion",
    # core/v1
    "ConfigMap": "1 metadata:ObjectMeta; 2 data:map:string; 3 binaryData:map:bytes;"
    " 4 immutable:bool",
    "Secret": "1 metadata:ObjectMeta; 2 data:map:bytes; 3 type; 4 stringData:map:string;"
    " 5 immutable:bool",
    "Namespace": "1 metadata:ObjectMeta; 2 spec:NamespaceSpec; 3 status:NamespaceStatus",
    "NamespaceSpec": "1 finalizers*",
    "NamespaceStatus": "1 phase",
    "ServiceAccount": "1 metadata:ObjectMeta; 2 secrets:ObjectReference*;"
    " 3 imagePullSecrets:LocalObjectReference*; 4 automountServiceAccountToken:bool",
    "ObjectReference": "1 kind; 2 namespace; 3 name; 4 uid; 5 apiVersion; 6 resourceVersion;"
    " 7 fieldPath",
    "LocalObjectReference": "1 name",
    "Service": "1 metadata:ObjectMeta; 2 spec:ServiceSpec; 3 status:ServiceStatus",
    "ServiceSpec": "1 ports:ServicePort*; 2 selector:map:string; 3 clusterIP; 4 type;"
    " 5 externalIPs*; 7 sessionAffinity; 8 loadBalancerIP; 9 loadBalancerSourceRanges*;"
    " 10 externalName; 11 externalTrafficPolicy; 12 healthCheckNodePort:int;"
    " 13 publishNotReadyAddresses:bool; 17 ipFamilyPolicy; 18 clusterIPs*; 19 ipFamilies*;"
    " 20 allocateLoadBalancerNodePorts:bool; 21 loadBalancerClass; 22 internalTrafficPolicy;"
    " 23 trafficDistribution",
    "ServicePort": "1 name; 2 protocol; 3 port:int; 4 targetPort:IntOrString;"
    " 5 nodePort:int; 6 appProtocol",
    "ServiceStatus": "",
    "ResourceQuota": "1 metadata:ObjectMeta; 2 spec:ResourceQuotaSpec; 3 status:Empty",
    "ResourceQuotaSpec": "1 hard:map:Quantity; 2 scopes*",
    "Empty": "",
    "PodTemplateSpec": "1 metadata:ObjectMeta; 2 spec:PodSpec",
    "PodSpec": "1 volumes:Volume*; 2 containers:Container*; 3 restartPolicy;"
    " 4 terminationGracePeriodSeconds:int; 5 activeDeadlineSeconds:int; 6 dnsPolicy;"
    " 7 nodeSelector:map:string; 8 serviceAccountName; 9 serviceAccount; 10 nodeName;"
    " 11 hostNetwork:bool; 12 hostPID:bool; 13 hostIPC:bool;"
    " 14 securityContext:PodSecurityContext; 15 imagePullSecrets:LocalObjectReference*;"
    " 16 hostname; 17 subdomain; 19 schedulerName; 20 initContainers:Container*;"
    " 21 automountServiceAccountToken:bool; 22 tolerations:Toleration*; 24 priorityClassName;"
    " 25 priority:int; 27 shareProcessNamespace:bool; 29 runtimeClassName;"
    " 30 enableServiceLinks:bool; 31 preemptionPolicy; 35 setHostnameAsFQDN:bool",
    "PodSecurityContext": "2 runAsUser:int; 3 runAsNonRoot:bool; 5 fsGroup:int; 6 runAsGroup:int",
    "Container": "1 name; 2 image; 3 command*; 4 args*; 5 workingDir; 6 ports:ContainerPort*;"
    " 7 env:EnvVar*; 8 resources:ResourceRequirements; 9 volumeMounts:VolumeMount*;"
    " 10 livenessProbe:Probe; 11 readinessProbe:Probe; 13 terminationMessagePath;"
    " 14 imagePullPolicy; 15 securityContext:SecurityContext; 16 stdin:bool;"
    " 17 stdinOnce:bool; 18 tty:bool; 19 envFrom:EnvFromSource*; 20 terminationMessagePolicy;"
    " 22 startupProbe:Probe; 24 restartPolicy",
    "SecurityContext": "2 privileged:bool; 4 runAsUser:int; 5 runAsNonRoot:bool;"
    " 6 readOnlyRootFilesystem:bool; 7 allowPrivilegeEscalation:bool; 8 runAsGroup:int",
    "ContainerPort": "1 name; 2 hostPort:int; 3 containerPort:int; 4 protocol; 5 hostIP",
    "EnvVar": "1 name; 2 value; 3 valueFrom:EnvVarSource",
    "EnvVarSource": "1 fieldRef:ObjectFieldSelector; 2 resourceFieldRef:ResourceFieldSelector;"
    " 3 configMapKeyRef:KeySelector; 4 secretKeyRef:KeySelector",
    "ObjectFieldSelector": "1 apiVersion; 2 fieldPath",
    "ResourceFieldSelector": "1 containerName; 2 resource; 3 divisor:Quantity",
    "KeySelector": "1 ref:LocalObjectReference^; 2 key; 3 optional:bool",
    "EnvFromSource": "1 prefix; 2 configMapRef:EnvSource; 3 secretRef:EnvSource",
    "EnvSource": "1 ref:LocalObjectReference^; 2 optional:bool",
    "ResourceRequirements": "1 limits:map:Quantity; 2 requests:map:Quantity",
    "VolumeMount": "1 name; 2 readOnly:bool; 3 mountPath; 4 subPath; 5 mountPropagation;"
    " 6 subPathExpr",
    "Probe": "1 handler:ProbeHandler^; 2 initialDelaySeconds:int; 3 timeoutSeconds:int;"
    " 4 periodSeconds:int; 5 successThreshold:int; 6 failureThreshold:int;"
    " 7 terminationGracePeriodSeconds:int",
    "ProbeHandler": "1 exec:ExecAction; 2 httpGet:HTTPGetAction; 3 tcpSocket:TCPSocketAction;"
    " 4 grpc:GRPCAction",
    "ExecAction": "1 command*",
    "HTTPGetAction": "1 path; 2 port:IntOrString; 3 host; 4 scheme; 5 httpHeaders:HTTPHeader*",
    "HTTPHeader": "1 name; 2 value",
    "TCPSocketAction": "1 port:IntOrString; 2 host",
    "GRPCAction": "1 port:int; 2 service",
    "Volume": "1 name; 2 source:VolumeSource^",
    "VolumeSource": "1 hostPath:HostPathVolumeSource; 2 emptyDir:EmptyDirVolumeSource;"
    " 6 secret:SecretVolumeSource; 10 persistentVolumeClaim:PVCVolumeSource;"
    " 19 configMap:ConfigMapVolumeSource",
    "HostPathVolumeSource": "1 path; 2 type",
    "EmptyDirVolumeSource": "1 medium; 2 sizeLimit:Quantity",
    "SecretVolumeSource": "1 secretName; 2 items:KeyToPath*; 3 defaultMode:int; 4 optional:bool",
    "ConfigMapVolumeSource": "1 ref:LocalObjectReference^; 2 items:KeyToPath*;"
    " 3 defaultMode:int; 4 optional:bool",
    "PVCVolumeSource": "1 claimName; 2 readOnly:bool",
    "KeyToPath": "1 key; 2 path; 3 mode:int",
    "Toleration": "1 key; 2 operator; 3 value; 4 effect; 5 tolerationSeconds:int",
    # apps/v1
    "Deployment": "1 metadata:ObjectMeta; 2 spec:DeploymentSpec; 3 status:Empty",
    "DeploymentSpec": "1 replicas:int; 2 selector:LabelSelector; 3 template:PodTemplateSpec;"
    " 4 strategy:DeploymentStrategy; 5 minReadySeconds:int; 6 revisionHistoryLimit:int;"
    " 7 paused:bool; 9 progressDeadlineSeconds:int",
    "DeploymentStrategy": "1 type; 2 rollingUpdate:RollingUpdateDeployment",
    "RollingUpdateDeployment": "1 maxUnavailable:IntOrString; 2 maxSurge:IntOrString",
    # batch/v1
    "Job": "1 metadata:ObjectMeta; 2 spec:JobSpec; 3 status:Empty",
    "JobSpec": "1 parallelism:int; 2 completions:int; 3 activeDeadlineSeconds:int;"
    " 4 selector:LabelSelector; 5 manualSelector:bool; 6 template:PodTemplateSpec;"
    " 7 backoffLimit:int; 8 ttlSecondsAfterFinished:int; 9 completionMode; 10 suspend:bool",
    "CronJob": "1 metadata:ObjectMeta; 2 spec:CronJobSpec; 3 status:Empty",
    "CronJobSpec": "1 schedule; 2 startingDeadlineSeconds:int; 3 concurrencyPolicy;"
    " 4 suspend:bool; 5 jobTemplate:JobTemplateSpec; 6 successfulJobsHistoryLimit:int;"
    " 7 failedJobsHistoryLimit:int; 8 timeZone",
    "JobTemplateSpec": "1 metadata:ObjectMeta; 2 spec:JobSpec",
    # rbac.authorization.k8s.io/v1
    "Role": "1 metadata:ObjectMeta; 2 rules:PolicyRule*",
    "ClusterRole": "1 metadata:ObjectMeta; 2 rules:PolicyRule*",
    "PolicyRule": "1 verbs*; 2 apiGroups*; 3 resources*; 4 resourceNames*; 5 nonResourceURLs*",
    "RoleBinding": "1 metadata:ObjectMeta; 2 subjects:Subject*; 3 roleRef:RoleRef",
    "Subject": "1 kind; 2 apiGroup; 3 name; 4 namespace",
    "RoleRef": "1 apiGroup; 2 kind; 3 name",
    # policy/v1, scheduling/v1, networking/v1, autoscaling/v1
    "PodDisruptionBudget": "1 metadata:ObjectMeta; 2 spec:PDBSpec; 3 status:Empty",
    "PDBSpec": "1 minAvailable:IntOrString; 2 selector:LabelSelector;"
    " 3 maxUnavailable:IntOrString; 4 unhealthyPodEvictionPolicy",
    "Eviction": "1 metadata:ObjectMeta; 2 deleteOptions:DeleteOptions",
    "PriorityClass": "1 metadata:ObjectMeta; 2 value:int; 3 globalDefault:bool;"
    " 4 description; 5 preemptionPolicy",
    "Ingress": "1 metadata:ObjectMeta; 2 spec:IngressSpec; 3 status:Empty",
    "IngressSpec": "1 defaultBackend:IngressBackend; 2 tls:IngressTLS*; 3 rules:IngressRule*;"
    " 4 ingressClassName",
    "IngressTLS": "1 hosts*; 2 secretName",
    "IngressRule": "1 host; 2 value:IngressRuleValue^",
    "IngressRuleValue": "1 http:HTTPIngressRuleValue",
    "HTTPIngressRuleValue": "1 paths:HTTPIngressPath*",
    "HTTPIngressPath": "1 path; 2 backend:IngressBackend; 3 pathType",
    "IngressBackend": "3 resource:TypedLocalObjectReference; 4 service:IngressServiceBackend",
    "TypedLocalObjectReference": "1 apiGroup; 2 kind; 3 name",
    "IngressServiceBackend": "1 name; 2 port:ServiceBackendPort",
    "ServiceBackendPort": "1 name; 2 number:int",
    "HorizontalPodAutoscaler": "1 metadata:ObjectMeta; 2 spec:HPASpecV1; 3 status:Empty",
    "HPASpecV1": "1 scaleTargetRef:CrossVersionObjectReference; 2 minReplicas:int;"
    " 3 maxReplicas:int; 4 targetCPUUtilizationPercentage:int",
    "CrossVersionObjectReference": "1 kind; 2 name; 3 apiVersion",
    # authentication.k8s.io/v1 and authorization.k8s.io/v1 (kubectl create token, auth ...)
    "TokenRequest": "1 metadata:ObjectMeta; 2 spec:TokenRequestSpec; 3 status:Empty",
    "TokenRequestSpec": "1 audiences*; 3 boundObjectRef:BoundObjectReference;"
    " 4 expirationSeconds:int",
    "BoundObjectReference": "1 kind; 2 apiVersion; 3 name; 4 uid",
    "TokenReview": "1 metadata:ObjectMeta; 2 spec:TokenReviewSpec; 3 status:Empty",
    "TokenReviewSpec": "1 token; 2 audiences*",
    "SelfSubjectReview": "1 metadata:ObjectMeta; 2 status:SelfSubjectReviewStatus",
    "SelfSubjectReviewStatus": "1 userInfo:UserInfo",
    "UserInfo": "1 username; 2 uid; 3 groups*",
    "SubjectAccessReview": "1 metadata:ObjectMeta; 2 spec:SubjectAccessReviewSpec; 3 status:Empty",
    "SubjectAccessReviewSpec": "1 resourceAttributes:ResourceAttributes;"
    " 2 nonResourceAttributes:NonResourceAttributes; 3 user; 4 groups*; 6 uid",
    "SelfSubjectAccessReview": "1 metadata:ObjectMeta; 2 spec:SelfSubjectAccessReviewSpec;"
    " 3 status:Empty",
    "SelfSubjectAccessReviewSpec": "1 resourceAttributes:ResourceAttributes;"
    " 2 nonResourceAttributes:NonResourceAttributes",
    "ResourceAttributes": "1 namespace; 2 verb; 3 group; 4 version; 5 resource; 6 subresource;"
    " 7 name",
    "NonResourceAttributes": "1 path; 2 verb",
    "SelfSubjectRulesReview": "1 metadata:ObjectMeta; 2 spec:SelfSubjectRulesReviewSpec;"
    " 3 status:Empty",
    "SelfSubjectRulesReviewSpec": "1 namespace",
}

_SCALARS = frozenset(
    {"string", "int", "bool", "bytes", "double", "Quantity", "Time", "IntOrString", "RawExtension"}
)


def _parse(spec: str) -> dict[int, Field]:
    fields: dict[int, Field] = {}
    for entry in filter(None, (part.strip() for part in spec.split(";"))):
        number_text, declaration = entry.split(" ", 1)
        repeated = declaration.endswith("*")
        inline = declaration.endswith("^")
        declaration = declaration.rstrip("*^")
        name, _, kind = declaration.partition(":")
        fields[int(number_text)] = Field(int(number_text), name, kind or "string", repeated, inline)
    return fields


MESSAGES: dict[str, dict[int, Field]] = {name: _parse(spec) for name, spec in _SPECS.items()}

# The top-level kinds a protobuf body may hold, by the kind its envelope names.
KINDS_TO_MESSAGES: dict[str, str] = {
    kind: kind
    for kind in (
        "ConfigMap",
        "Secret",
        "Namespace",
        "ServiceAccount",
        "Service",
        "ResourceQuota",
        "Deployment",
        "Job",
        "CronJob",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "PodDisruptionBudget",
        "Eviction",
        "PriorityClass",
        "Ingress",
        "HorizontalPodAutoscaler",
        "TokenRequest",
        "TokenReview",
        "SelfSubjectReview",
        "SubjectAccessReview",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
    )
}
KINDS_TO_MESSAGES["ClusterRoleBinding"] = "RoleBinding"
KINDS_TO_MESSAGES["LocalSubjectAccessReview"] = "SubjectAccessReview"


def _check() -> None:
    """Every referenced type is a scalar, a map or a message of this table."""
    for name, fields in MESSAGES.items():
        for field in fields.values():
            kind = field.type[4:] if field.type.startswith("map:") else field.type
            if kind not in _SCALARS and kind not in MESSAGES:
                raise AssertionError(f"{name}.{field.name} names unknown type {kind}")


_check()
