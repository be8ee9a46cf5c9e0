{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "shelfpulse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart unless the release name already contains the chart name. */}}
{{- define "shelfpulse.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "shelfpulse.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "shelfpulse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shelfpulse
{{- end }}

{{- define "shelfpulse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shelfpulse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* ServiceAccount of the operator. */}}
{{- define "shelfpulse.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (printf "%s-operator" (include "shelfpulse.fullname" .)) .Values.operator.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Labels of one component: the common labels plus app.kubernetes.io/component. */}}
{{- define "shelfpulse.componentLabels" -}}
{{ include "shelfpulse.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "shelfpulse.componentSelectorLabels" -}}
{{ include "shelfpulse.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* registry/repository:tag or @digest; the tag defaults to the chart's appVersion. */}}
{{- define "shelfpulse.image" -}}
{{- $image := .image -}}
{{- $ref := printf "%s/%s" $image.registry $image.repository | trimPrefix "/" -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $ref $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end }}

{{/* Pod security context: the chart default merged with a component's override. */}}
{{- define "shelfpulse.podSecurityContext" -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.podSecurityContext) (default dict .override)) }}
{{- end }}

{{- define "shelfpulse.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{- define "shelfpulse.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Scheduling fields of a component's values. */}}
{{- define "shelfpulse.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* ServiceAccount of the bridge. */}}
{{- define "shelfpulse.bridge.serviceAccountName" -}}
{{- if .Values.bridge.serviceAccount.create }}
{{- default (printf "%s-bridge" (include "shelfpulse.fullname" .)) .Values.bridge.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.bridge.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Whether the device-cloud emulator runs: on, unless a hosted device cloud is configured. */}}
{{- define "shelfpulse.emulator.enabled" -}}
{{- if and .Values.deviceCloud.emulator.enabled (not (and .Values.deviceCloud.external.apiUrl .Values.deviceCloud.external.existingSecret)) -}}
true
{{- end -}}
{{- end }}

{{/* Device Management API URL the operator and bridge use. */}}
{{- define "shelfpulse.deviceCloud.url" -}}
{{- if include "shelfpulse.emulator.enabled" . -}}
{{- printf "http://%s-device-cloud.%s.svc:%v" (include "shelfpulse.fullname" .) .Release.Namespace .Values.deviceCloud.emulator.service.httpPort -}}
{{- else -}}
{{- .Values.deviceCloud.external.apiUrl -}}
{{- end -}}
{{- end }}

{{/* Secret holding the device-cloud API key (key: the apiKeyKey). */}}
{{- define "shelfpulse.deviceCloud.secretName" -}}
{{- if include "shelfpulse.emulator.enabled" . -}}
{{- default (printf "%s-device-cloud" (include "shelfpulse.fullname" .)) .Values.deviceCloud.emulator.existingSecret -}}
{{- else -}}
{{- .Values.deviceCloud.external.existingSecret -}}
{{- end -}}
{{- end }}

{{/* Secret with the InfluxDB users (writer-user, writer-password, reader-user, reader-password …). */}}
{{- define "shelfpulse.influxdb.secretName" -}}
{{- if .Values.influxdb.enabled -}}
{{- default (printf "%s-influxdb" (include "shelfpulse.fullname" .)) .Values.influxdb.auth.existingSecret -}}
{{- else -}}
{{- .Values.externalInfluxdb.existingSecret -}}
{{- end -}}
{{- end }}

{{- define "shelfpulse.influxdb.url" -}}
{{- if .Values.influxdb.enabled -}}
{{- printf "http://%s-influxdb.%s.svc:%v" (include "shelfpulse.fullname" .) .Release.Namespace .Values.influxdb.service.port -}}
{{- else -}}
{{- .Values.externalInfluxdb.url -}}
{{- end -}}
{{- end }}

{{- define "shelfpulse.influxdb.database" -}}
{{- if .Values.influxdb.enabled }}{{ .Values.influxdb.database }}{{ else }}{{ .Values.externalInfluxdb.database }}{{ end -}}
{{- end }}

{{/* Secret with the bridge's webhook secret (key: webhook-secret). */}}
{{- define "shelfpulse.bridge.secretName" -}}
{{- default (printf "%s-bridge" (include "shelfpulse.fullname" .)) .Values.bridge.existingSecret -}}
{{- end }}

{{/* Secret with Grafana's [security] secret_key (key: grafana.secretKey.key). */}}
{{- define "shelfpulse.grafana.secretKeySecretName" -}}
{{- default (printf "%s-grafana-secret-key" (include "shelfpulse.fullname" .)) .Values.grafana.secretKey.existingSecret -}}
{{- end }}

{{- define "shelfpulse.grafana.secretName" -}}
{{- default (printf "%s-grafana" (include "shelfpulse.fullname" .)) .Values.grafana.admin.existingSecret -}}
{{- end }}

{{/*
A generated secret value that survives upgrades: the value already in the
cluster (lookup) if there is one, else a new random one. Args: root, name, key.
Stable under `helm install`/`helm upgrade` only: `helm template` (Argo CD,
`helm template | kubectl apply`) cannot look up, and would make a new value on
every render. requireExistingSecrets=true makes the chart refuse to generate.
*/}}
{{- define "shelfpulse.generatedSecretValue" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if and $existing (hasKey (default dict $existing.data) .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum 32 | b64enc -}}
{{- end -}}
{{- end }}

{{/* Whether Grafana keeps its SQLite database on the chart's PVC. */}}
{{- define "shelfpulse.grafana.persistent" -}}
{{- if and .Values.grafana.enabled (eq .Values.grafana.database.type "sqlite3") .Values.grafana.persistence.enabled -}}
true
{{- end -}}
{{- end }}

{{/* Whether users reach Grafana at a public URL (not a port-forward). */}}
{{- define "shelfpulse.grafana.exposed" -}}
{{- if or .Values.grafana.rootUrl (and .Values.grafana.ingress.enabled .Values.grafana.ingress.hosts) (and .Values.grafana.httpRoute.enabled .Values.grafana.httpRoute.hostnames) -}}
true
{{- end -}}
{{- end }}

{{/* Grafana's path prefix ("" or "/grafana"). */}}
{{- define "shelfpulse.grafana.subPath" -}}
{{- .Values.grafana.subPath | trimSuffix "/" -}}
{{- end }}

{{/* Grafana's public URL: rootUrl, else the first Ingress host (https with TLS), else the first HTTPRoute hostname. */}}
{{- define "shelfpulse.grafana.rootUrl" -}}
{{- $grafana := .Values.grafana -}}
{{- if $grafana.rootUrl -}}
{{- $grafana.rootUrl -}}
{{- else if and $grafana.ingress.enabled $grafana.ingress.hosts -}}
{{- printf "%s://%s%s/" (ternary "https" "http" (gt (len $grafana.ingress.tls) 0)) (first $grafana.ingress.hosts) (include "shelfpulse.grafana.subPath" .) -}}
{{- else if and $grafana.httpRoute.enabled $grafana.httpRoute.hostnames -}}
{{- printf "%s://%s%s/" (ternary "https" "http" $grafana.httpRoute.https) (first $grafana.httpRoute.hostnames) (include "shelfpulse.grafana.subPath" .) -}}
{{- else -}}
{{- printf "%%(protocol)s://%%(domain)s:%%(http_port)s%s/" (include "shelfpulse.grafana.subPath" .) -}}
{{- end -}}
{{- end }}

{{/* The pre-delete hook ConfigMap the operator releases once the release's ShelfFleets are gone. */}}
{{- define "shelfpulse.uninstallGate" -}}
{{ include "shelfpulse.fullname" . }}-uninstall
{{- end }}
