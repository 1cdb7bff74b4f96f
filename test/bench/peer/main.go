// peer - the peers' stack for the gitgate benchmark, used for nothing else:
// a minimal validating webhook on Go's net/http + encoding/json +
// crypto/tls (what Kyverno, Gatekeeper and controller-runtime webhooks are
// built on), implementing gitgate's shipped default policies by hand:
//
//	settings          exempt namespaces / users / groups
//	git-source        Flux kustomize or helm labels, Argo CD tracking-id, or a
//	                  gitgate.io/source repo URL annotation; not asked of
//	                  controller-owned objects, subresources or DELETE
//	immutable-images  no ":latest", no missing tag (a digest always pins)
//	reconciler-only   only Flux, Flagger, kube-system service accounts,
//	                  kube-controller-manager, system:nodes, break-glass
//	release-tags      audit: warn unless semver or git SHA (Go regexp)
//
// The review is decoded like controller-runtime does (typed envelope, the
// object as json.RawMessage) and the object into an unstructured map, as
// Kyverno does. Answers in the request's apiVersion. Stdlib only.
//
// usage: peer -listen 127.0.0.1:PORT -cert tls.crt -key tls.key
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

type gvk struct {
	Group, Version, Kind string
}

type gvr struct {
	Group, Version, Resource string
}

type request struct {
	UID         string `json:"uid"`
	Kind        gvk    `json:"kind"`
	Resource    gvr    `json:"resource"`
	SubResource string `json:"subResource"`
	Name        string `json:"name"`
	Namespace   string `json:"namespace"`
	Operation   string `json:"operation"`
	UserInfo    struct {
		Username string   `json:"username"`
		Groups   []string `json:"groups"`
	} `json:"userInfo"`
	Object    json.RawMessage `json:"object"`
	OldObject json.RawMessage `json:"oldObject"`
	DryRun    bool            `json:"dryRun"`
}

type review struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Request    *request `json:"request"`
}

type status struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
	Code    int    `json:"code"`
}

type response struct {
	UID              string            `json:"uid"`
	Allowed          bool              `json:"allowed"`
	Status           *status           `json:"status,omitempty"`
	Warnings         []string          `json:"warnings,omitempty"`
	AuditAnnotations map[string]string `json:"auditAnnotations,omitempty"`
}

type answer struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Response   *response `json:"response"`
}

var (
	exemptNamespaces = []string{"kube-system", "kube-public",
		"kube-node-lease", "flux-system", "gitgate-system"}
	exemptUsers  = []string{"system:kube-controller-manager", "system:kube-scheduler"}
	exemptGroups = []string{"system:nodes", "system:serviceaccounts:kube-system"}
	allowSAs     = []string{"flux-system:kustomize-controller",
		"flux-system:helm-controller", "flagger-system:flagger", "kube-system:*"}
	allowUsers  = []string{"system:kube-controller-manager"}
	allowGroups = []string{"system:nodes", "gitgate:break-glass"}
	podSpecPath = map[string][]string{
		"Pod": {"spec"}, "Deployment": {"spec", "template", "spec"},
		"ReplicaSet": {"spec", "template", "spec"}, "StatefulSet": {"spec", "template", "spec"},
		"DaemonSet": {"spec", "template", "spec"}, "Job": {"spec", "template", "spec"},
		"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
		"ReplicationController": {"spec", "template", "spec"},
	}
	kindOfResource = map[string]string{"pods": "Pod", "deployments": "Deployment",
		"replicasets": "ReplicaSet", "statefulsets": "StatefulSet",
		"daemonsets": "DaemonSet", "jobs": "Job", "cronjobs": "CronJob",
		"replicationcontrollers": "ReplicationController"}
	releaseTags = []*regexp.Regexp{
		regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`),
		regexp.MustCompile(`^[0-9a-f]{7,40}$`),
	}
	repoURL = regexp.MustCompile(`^(https://|ssh://|git@)\S+$`)
)

func globAny(globs []string, s string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, s); ok && !strings.Contains(g, "/") {
			return true
		}
		if g == s {
			return true
		}
	}
	return false
}

// finding of one policy: enforce findings deny, audit ones warn.
type finding struct {
	policy, mode string
	texts        []string
	hint         string
}

func getMap(m map[string]interface{}, keys ...string) map[string]interface{} {
	for _, k := range keys {
		next, ok := m[k].(map[string]interface{})
		if !ok {
			return nil
		}
		m = next
	}
	return m
}

func nonEmpty(m map[string]interface{}, k string) (string, bool) {
	s, ok := m[k].(string)
	return s, ok && s != ""
}

func targetKind(r *request) string {
	if r.SubResource != "" {
		if k, ok := kindOfResource[r.Resource.Resource]; ok {
			return k
		}
	}
	return r.Kind.Kind
}

func describe(r *request) string {
	return fmt.Sprintf("%s %s/%s", targetKind(r), r.Namespace, r.Name)
}

// splitImage returns the tag and digest of a reference.
func splitImage(ref string) (tag, digest string) {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	slash := strings.LastIndexByte(ref, '/')
	if c := strings.LastIndexByte(ref, ':'); c > slash {
		tag = ref[c+1:]
	}
	return
}

func images(obj map[string]interface{}, kind string, fn func(name, image string)) {
	p, ok := podSpecPath[kind]
	if !ok {
		return
	}
	spec := getMap(obj, p...)
	for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
		cs, _ := spec[list].([]interface{})
		for _, c := range cs {
			cm, _ := c.(map[string]interface{})
			name, _ := cm["name"].(string)
			image, _ := cm["image"].(string)
			fn(name, image)
		}
	}
}

func decide(r *request) *response {
	resp := &response{UID: r.UID, Allowed: true}
	if globAny(exemptNamespaces, r.Namespace) || globAny(exemptUsers, r.UserInfo.Username) {
		return resp
	}
	for _, g := range r.UserInfo.Groups {
		if globAny(exemptGroups, g) {
			return resp
		}
	}
	kind := targetKind(r)
	if _, workload := podSpecPath[kind]; !workload {
		return resp
	}
	var obj map[string]interface{}
	if len(r.Object) > 0 && string(r.Object) != "null" {
		if err := json.Unmarshal(r.Object, &obj); err != nil {
			resp.Allowed = false
			resp.Status = &status{"Failure", "object: " + err.Error(), "BadRequest", 400}
			return resp
		}
	}
	var fs []finding
	write := r.Operation == "CREATE" || r.Operation == "UPDATE"
	// git-source
	if write && r.SubResource == "" && obj != nil {
		owned := false
		refs, _ := getMap(obj, "metadata")["ownerReferences"].([]interface{})
		for _, ref := range refs {
			if rm, ok := ref.(map[string]interface{}); ok && rm["controller"] == true {
				owned = true
			}
		}
		labels := getMap(obj, "metadata", "labels")
		ann := getMap(obj, "metadata", "annotations")
		_, k1 := nonEmpty(labels, "kustomize.toolkit.fluxcd.io/name")
		_, k2 := nonEmpty(labels, "kustomize.toolkit.fluxcd.io/namespace")
		_, h1 := nonEmpty(labels, "helm.toolkit.fluxcd.io/name")
		_, h2 := nonEmpty(labels, "helm.toolkit.fluxcd.io/namespace")
		_, argo := nonEmpty(ann, "argocd.argoproj.io/tracking-id")
		src, hasSrc := nonEmpty(ann, "gitgate.io/source")
		if !owned && !(k1 && k2) && !(h1 && h2) && !argo && !(hasSrc && repoURL.MatchString(src)) {
			fs = append(fs, finding{"git-source", "enforce", []string{describe(r) +
				" carries no Git-source marker (one of: flux-kustomize, flux-helm, argocd, config-repo)"},
				"apply it from Git (Flux, Argo CD)"})
		}
	}
	// immutable-images and release-tags
	if write && (r.SubResource == "" || r.SubResource == "ephemeralcontainers") && obj != nil {
		var deny, warn []string
		images(obj, kind, func(name, image string) {
			who := fmt.Sprintf("container %q image %q", name, image)
			tag, digest := splitImage(image)
			if digest != "" {
				return
			}
			switch {
			case tag == "":
				deny = append(deny, who+" has no tag (means :latest)")
			case tag == "latest":
				deny = append(deny, who+` uses the mutable tag "latest"`)
			}
			if tag != "" && !releaseTags[0].MatchString(tag) && !releaseTags[1].MatchString(tag) {
				warn = append(warn, fmt.Sprintf("%s: tag %q is not a release tag", who, tag))
			}
		})
		if deny != nil {
			fs = append(fs, finding{"immutable-images", "enforce", deny, "pin a release tag or digest in Git"})
		}
		if warn != nil {
			fs = append(fs, finding{"release-tags", "audit", warn, ""})
		}
	}
	// reconciler-only
	if (write || r.Operation == "DELETE") && (r.SubResource == "" || r.SubResource == "scale") {
		u := r.UserInfo.Username
		ok := globAny(allowUsers, u)
		if sa := strings.TrimPrefix(u, "system:serviceaccount:"); !ok && sa != u {
			ok = globAny(allowSAs, sa)
		}
		for _, g := range r.UserInfo.Groups {
			ok = ok || globAny(allowGroups, g)
		}
		if !ok {
			verb := r.Operation
			if r.SubResource != "" {
				verb = r.SubResource
			}
			fs = append(fs, finding{"reconciler-only", "enforce", []string{
				fmt.Sprintf("user %q may not %s %s", u, verb, describe(r))},
				"commit the change to Git and let the reconciler apply it"})
		}
	}
	var msgs []string
	for _, f := range fs {
		if resp.AuditAnnotations == nil {
			resp.AuditAnnotations = map[string]string{}
		}
		resp.AuditAnnotations[f.policy] = f.mode + ": " + strings.Join(f.texts, "; ")
		if f.mode == "audit" {
			for _, t := range f.texts {
				resp.Warnings = append(resp.Warnings, "["+f.policy+"] "+t)
			}
			continue
		}
		resp.Allowed = false
		msgs = append(msgs, "["+f.policy+"] "+strings.Join(f.texts, ", ")+" - "+f.hint)
	}
	if !resp.Allowed {
		resp.Status = &status{"Failure", strings.Join(msgs, "; "), "Forbidden", 403}
	}
	return resp
}

func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

func validate(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		fail(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 7<<20))
	if err != nil {
		fail(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	}
	var rv review
	if err := json.Unmarshal(body, &rv); err != nil || rv.Request == nil || rv.Request.UID == "" {
		fail(w, http.StatusBadRequest, "malformed AdmissionReview")
		return
	}
	out, err := json.Marshal(answer{rv.APIVersion, "AdmissionReview", decide(rv.Request)})
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(out)))
	w.Write(out)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:9443", "address")
	cert := flag.String("cert", "tls.crt", "certificate")
	key := flag.String("key", "tls.key", "key")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("/validate", validate)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	srv := &http.Server{Addr: *listen, Handler: mux,
		TLSConfig:   &tls.Config{MinVersion: tls.VersionTLS13, SessionTicketsDisabled: true},
		IdleTimeout: 120 * time.Second, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	log.Fatal(srv.ListenAndServeTLS(*cert, *key))
}
