{{/* Names and labels shared by every template. */}}

{{- define "schulerfolg.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one service's objects: <fullname>-<service>. Call with (list $ "registry"). */}}
{{- define "schulerfolg.name" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "schulerfolg.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "schulerfolg.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: schulerfolg
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
schulerfolg.de/site: {{ $root.Values.site | quote }}
{{ include "schulerfolg.selectorLabels" . }}
{{- end -}}

{{- define "schulerfolg.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- end -}}

{{- define "schulerfolg.image" -}}
{{- $root := index . 0 -}}
{{- printf "%s/%s:%s" $root.Values.image.repository (index . 1) ($root.Values.image.tag | default $root.Chart.AppVersion) -}}
{{- end -}}

{{/* The Secret and key holding a service's database URL. */}}
{{- define "schulerfolg.databaseSecret" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $db := (index $root.Values.services $name).database -}}
{{- if $db.existingSecret -}}
{{- $db.existingSecret -}}
{{- else if $db.url -}}
{{- printf "%s-db" (include "schulerfolg.name" (list $root $name)) -}}
{{- else -}}
{{- fail (printf "services.%s.database: set url or existingSecret" $name) -}}
{{- end -}}
{{- end -}}

{{/* Where the web service calls a service: services.web.apiUrls.<name>, else that service's
Service in this release. Call with (list $ "registry"). */}}
{{- define "schulerfolg.apiUrl" -}}
{{- $root := index . 0 -}}
{{- $api := index . 1 -}}
{{- $given := index $root.Values.services.web.apiUrls $api -}}
{{- $target := index $root.Values.services $api -}}
{{- if $given -}}
{{- $given -}}
{{- else if $target.enabled -}}
{{- printf "http://%s:%v" (include "schulerfolg.name" (list $root $api)) $target.port -}}
{{- else -}}
{{- fail (printf "services.web.apiUrls.%s: %s does not run in this release, so give its URL" $api $api) -}}
{{- end -}}
{{- end -}}

{{/* The Secret with the web service's WEB_SECRET_KEY and OIDC client secret. */}}
{{- define "schulerfolg.webSecret" -}}
{{- $root := . -}}
{{- $secrets := $root.Values.services.web.secrets -}}
{{- if $secrets.existingSecret -}}
{{- $secrets.existingSecret -}}
{{- else if $secrets.secretKey -}}
{{- printf "%s-secrets" (include "schulerfolg.name" (list $root "web")) -}}
{{- else -}}
{{- fail "services.web.secrets: set existingSecret or secretKey (WEB_SECRET_KEY, the same on every replica)" -}}
{{- end -}}
{{- end -}}

{{/* The variable that carries the database URL, for a migration Job or a Deployment. */}}
{{- define "schulerfolg.databaseEnv" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
- name: {{ printf "%s_DATABASE_URL" (upper $name) }}
  valueFrom:
    secretKeyRef:
      name: {{ include "schulerfolg.databaseSecret" . }}
      key: {{ (index $root.Values.services $name).database.secretKey }}
{{- end -}}
