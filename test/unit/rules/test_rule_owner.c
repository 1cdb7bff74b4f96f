/*
 * test_rule_owner.c - webhook/rules/rule_owner.c: the owner named from
 * Flux's and Argo CD's labels and annotations, precedence between them,
 * Helm's own instance label, cut and unsafe names, and the note of a
 * denial (a DELETE's from oldObject; none for a Scale, which carries no
 * labels).
 */
#include "rules/rule_owner.h"

#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "unit.h"

static void
test_names(void)
{
	static const struct {
		const char	*meta;	/* JSON with ', or NULL: no object */
		int		 want;
		const char	*name;
	} cases[] = {
		{ "{'labels':{'kustomize.toolkit.fluxcd.io/name':'apps',"
		  "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}", 1,
		  "Kustomization flux-system/apps" },
		{ "{'labels':{'helm.toolkit.fluxcd.io/name':'web',"
		  "'helm.toolkit.fluxcd.io/namespace':'apps'}}", 1,
		  "HelmRelease apps/web" },
		/* Kustomization first when both are there. */
		{ "{'labels':{'helm.toolkit.fluxcd.io/name':'web',"
		  "'helm.toolkit.fluxcd.io/namespace':'apps',"
		  "'kustomize.toolkit.fluxcd.io/name':'infra',"
		  "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}", 1,
		  "Kustomization flux-system/infra" },
		/* Half a Flux pair names nobody; the next source is read. */
		{ "{'labels':{'kustomize.toolkit.fluxcd.io/name':'apps'}}", 0,
		  "" },
		{ "{'labels':{'kustomize.toolkit.fluxcd.io/name':'apps',"
		  "'kustomize.toolkit.fluxcd.io/namespace':''},"
		  "'annotations':{'argocd.argoproj.io/tracking-id':"
		  "'guestbook:apps/Deployment:default/web'}}", 1,
		  "Argo CD application guestbook" },
		{ "{'annotations':{'argocd.argoproj.io/tracking-id':"
		  "'guestbook:apps/Deployment:default/web'}}", 1,
		  "Argo CD application guestbook" },
		/* Core group: "APP:/KIND:NS/NAME". */
		{ "{'annotations':{'argocd.argoproj.io/tracking-id':"
		  "'my-app:/Service:default/web'}}", 1,
		  "Argo CD application my-app" },
		/* Malformed tracking ids name nobody. */
		{ "{'annotations':{'argocd.argoproj.io/tracking-id':'guestbook'}}",
		  0, "" },
		{ "{'annotations':{'argocd.argoproj.io/tracking-id':':x'}}", 0,
		  "" },
		{ "{'annotations':{'argocd.argoproj.io/tracking-id':7}}", 0, "" },
		/* Flux keys as annotations, Argo's as a label: not read. */
		{ "{'annotations':{'kustomize.toolkit.fluxcd.io/name':'apps',"
		  "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}", 0,
		  "" },
		{ "{'labels':{'argocd.argoproj.io/tracking-id':"
		  "'guestbook:apps/Deployment:default/web'}}", 0, "" },
		/* Label tracking. */
		{ "{'labels':{'app.kubernetes.io/instance':'guestbook'}}", 1,
		  "Argo CD application guestbook, from "
		  "app.kubernetes.io/instance" },
		{ "{'labels':{'argocd.argoproj.io/instance':'guestbook',"
		  "'app.kubernetes.io/managed-by':'Helm'}}", 1,
		  "Argo CD application guestbook, from "
		  "argocd.argoproj.io/instance" },
		/* Helm sets app.kubernetes.io/instance itself. */
		{ "{'labels':{'app.kubernetes.io/instance':'redis',"
		  "'app.kubernetes.io/managed-by':'Helm'}}", 0, "" },
		{ "{'labels':{'app.kubernetes.io/instance':'redis',"
		  "'app.kubernetes.io/managed-by':'Helm',"
		  "'helm.toolkit.fluxcd.io/name':'redis',"
		  "'helm.toolkit.fluxcd.io/namespace':'data'}}", 1,
		  "HelmRelease data/redis" },
		/* Unsafe bytes are replaced, long names cut. */
		{ "{'labels':{'kustomize.toolkit.fluxcd.io/name':'a\\\"b\\\\c',"
		  "'kustomize.toolkit.fluxcd.io/namespace':'x\\ny'}}", 1,
		  "Kustomization x?y/a?b?c" },
		{ "{'annotations':{'argocd.argoproj.io/tracking-id':'"
		  "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggggggg"
		  ":apps/Deployment:default/web'}}", 1,
		  "Argo CD application "
		  "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffggg..." },
		/* Nothing to read. */
		{ "{'labels':{'app':'web'}}", 0, "" },
		{ "{'labels':null,'annotations':[]}", 0, "" },
		{ "{'labels':['kustomize.toolkit.fluxcd.io/name']}", 0, "" },
		{ "{}", 0, "" },
		{ NULL, 0, "" },
	};
	char	 tmpl[2048], json[2048], out[RULE_OWNER_TEXT_MAX];
	cJSON	*obj;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		obj = NULL;
		if (cases[i].meta != NULL) {
			snprintf(tmpl, sizeof(tmpl), "{'kind':'Deployment',"
			    "'metadata':%s}", cases[i].meta);
			obj = cJSON_Parse(fixture_json(json, sizeof(json),
			    tmpl));
			CHECK(obj != NULL);
		}
		memset(out, 'x', sizeof(out));
		if (rule_owner_name(obj, out, sizeof(out)) != cases[i].want)
			fprintf(stderr, "case %zu: \"%s\"\n", i, out);
		CHECK_INT(rule_owner_name(obj, out, sizeof(out)),
		    cases[i].want);
		CHECK_STR(out, cases[i].name);
		CHECK(fixture_utf8_whole(out));
		cJSON_Delete(obj);
	}
}

/* The note of a denial of this request; "" when it fails to decode. */
static const char *
note(const char *op, const char *sub, const char *object, char *dst,
    size_t dstlen)
{
	static char	tmpl[4096], body[4096];
	struct review	rv;
	char		err[128];

	snprintf(tmpl, sizeof(tmpl), "{'apiVersion':'admission.k8s.io/v1',"
	    "'kind':'AdmissionReview','request':{'uid':'u1','kind':{"
	    "'group':'apps','version':'v1','kind':'%s'},'resource':{"
	    "'resource':'deployments'},'subResource':'%s','name':'web',"
	    "'namespace':'default','operation':'%s','userInfo':{"
	    "'username':'alice'},'object':%s,'oldObject':%s}}",
	    sub[0] != '\0' ? "Scale" : "Deployment", sub, op,
	    strcmp(op, "DELETE") == 0 ? "null" : object,
	    strcmp(op, "CREATE") == 0 ? "null" : object);
	fixture_json(body, sizeof(body), tmpl);
	dst[0] = '\0';
	if (review_decode(body, strlen(body), &rv, err, sizeof(err)) != 0) {
		fprintf(stderr, "review_decode: %s\n", err);
		CHECK(0);
		return dst;
	}
	rule_owner_note(&rv, dst, dstlen);
	review_free(&rv);
	return dst;
}

static void
test_note(void)
{
	static const char	flux[] = "{'kind':'Deployment','metadata':{"
	    "'name':'web','labels':{'kustomize.toolkit.fluxcd.io/name':'apps',"
	    "'kustomize.toolkit.fluxcd.io/namespace':'flux-system'}}}";
	static const char	scale[] = "{'kind':'Scale','apiVersion':"
	    "'autoscaling/v1','metadata':{'name':'web','namespace':"
	    "'default'},'spec':{'replicas':5}}";
	char			buf[RULE_OWNER_TEXT_MAX], small[24];

	CHECK_STR(note("UPDATE", "", flux, buf, sizeof(buf)),
	    " (managed by Kustomization flux-system/apps: change it in Git)");
	CHECK_STR(note("CREATE", "", flux, buf, sizeof(buf)),
	    " (managed by Kustomization flux-system/apps: change it in Git)");
	/* A DELETE names the stored object's owner (oldObject decoded). */
	CHECK_STR(note("DELETE", "", flux, buf, sizeof(buf)),
	    " (managed by Kustomization flux-system/apps: change it in Git)");
	/* A Scale carries no labels. */
	CHECK_STR(note("UPDATE", "scale", scale, buf, sizeof(buf)), "");
	CHECK_STR(note("UPDATE", "", "{'kind':'Deployment','metadata':{}}",
	    buf, sizeof(buf)), "");
	/* A short buffer is cut, still a C string. */
	note("UPDATE", "", flux, small, sizeof(small));
	CHECK_INT(strlen(small), sizeof(small) - 1);
	CHECK(strncmp(small, " (managed by Kustomizat", sizeof(small) - 1)
	    == 0);
}

int
main(void)
{
	test_names();
	test_note();
	return unit_done("rule_owner");
}
