/*
 * test_config.c - dkimguard.conf parsing through the option table:
 * defaults, good files, unknown options, bad values with FILE:LINE,
 * bounds, repeats, continuations, every option in the man page, and each
 * word of an ENUM option parsing to the constant of its own name.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/config/config.h"
#include "common/guard/guard.h"
#include "util/log.h"
#include "testutil.h"

START_TEST(test_defaults)
{
	struct config *cfg = config_defaults();

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg->mode, MODE_BOTH);
	ck_assert_int_eq(cfg->on_internal_error, ACTION_TEMPFAIL);
	ck_assert_int_eq(cfg->on_bad_signature, ACTION_ACCEPT);
	ck_assert_int_eq(cfg->dry_run, 0);
	ck_assert_int_eq(cfg->tcp_nodelay, 1);
	ck_assert_int_eq(cfg->socket_mode, 0660);
	ck_assert_str_eq(cfg->internal_hosts[0], "127.0.0.0/8");
	ck_assert_str_eq(cfg->internal_hosts[1], "::1");
	ck_assert_ptr_null(cfg->internal_hosts[2]);
	ck_assert_ptr_null(cfg->submission_services[0]);
	ck_assert_str_eq(config_enum_str(cfg, OPTID_Canonicalization),
	    "relaxed/relaxed");
	config_free(cfg);
}
END_TEST

/* one case: a file and either checks on success or an expected error */
struct conf_case {
	const char *text;
	const char *error; /* NULL: must load; else substring of error */
};

static const struct conf_case conf_cases[] = {
    {"Mode sign\nDryRun yes\n", NULL},
    {"# comment\n\n  mode   verify  # trailing\n", NULL},
    {"InternalHosts 10.0.0.0/8, 192.168.1.0/24 \\\n  2001:db8::/32\n", NULL},
    {"MinKeyBits 2048\nMaxVerifySignatures 64\n", NULL},
    {"Socket inet:21001@127.0.0.1\nSocketMode 0600\n", NULL},
    {"Mode sign\nFoo bar\n", ":2: option 'Foo': unknown option"},
    {"Mode sign\n\nMode signn\n", ":3: option 'Mode': already set at line 1"},
    {"Mode signn\n",
	":1: option 'Mode': bad value 'signn'; use one of: sign,verify,both"},
    {"DryRun perhaps\n",
	":1: option 'DryRun': bad value 'perhaps'; "
	"use yes or no"},
    {"MinKeyBits 512\n",
	":1: option 'MinKeyBits': bad value '512'; "
	"use an integer from 1024 to 16384"},
    {"MaxVerifySignatures 65\n", "use an integer from 1 to 64"},
    {"MaxVerifySignatures 8x\n", "bad value '8x'"},
    {"SocketMode 0999\n", "option 'SocketMode': bad value '0999'"},
    {"InternalHosts 10.0.0.0/33\n",
	"option 'InternalHosts': '/33' "
	"is not a prefix length 0-32"},
    {"InternalHosts 10.0.0.1_a\n", "'10.0.0.1_a' is not an IPv4"},
    {"Socket tcp:8891\n", "option 'Socket': 'tcp:8891' is not"},
    {"Socket inet:99999@127.0.0.1\n", "option 'Socket'"},
    {"KeyTable\n", ":1: option 'KeyTable': needs a value"},
    {"OnInternalError quarantine\n", "use one of: accept,reject,tempfail"},
};

START_TEST(test_conf_cases)
{
	const struct conf_case *c = &conf_cases[_i];
	struct errlist el = {0};
	struct config *cfg;
	char path[TU_PATH_MAX];

	tu_write_tmp(path, sizeof path, c->text);
	cfg = config_load(path, &el);

	if (c->error == NULL) {
		ck_assert_msg(cfg != NULL, "case %d: %s", _i, errlist_str(&el));
	} else {
		ck_assert_msg(cfg == NULL, "case %d loaded", _i);
		ck_assert_msg(strstr(errlist_str(&el), path) != NULL,
		    "case %d: no file name in '%s'", _i, errlist_str(&el));
		ck_assert_msg(strstr(errlist_str(&el), c->error) != NULL,
		    "case %d: '%s' lacks '%s'", _i, errlist_str(&el), c->error);
	}
	config_free(cfg);
	errlist_free(&el);
	unlink(path);
}
END_TEST

START_TEST(test_values)
{
	struct errlist el = {0};
	struct config *cfg;
	char path[TU_PATH_MAX], expect[TU_PATH_MAX + 64];
	char where[TU_PATH_MAX + 64];
	int dirlen;

	tu_write_tmp(path, sizeof path,
	    "Mode sign\nDryRun yes\nInternalHosts "
	    "10.0.0.0/8 \\\n 192.168.0.0/16\nSubmissionServices "
	    "submission,smtps\nKeyTable keys/kt\nTestKeys /abs/dns.tsv\n"
	    "SigningTable refile:st\nOnBadSignature Reject\n"
	    "SignatureTTL 86400\n");
	cfg = config_load(path, &el);
	/* relative names are taken from the file's directory */
	dirlen = (int)(strrchr(path, '/') - path);
	ck_assert_msg(cfg != NULL, "%s", errlist_str(&el));
	ck_assert_int_eq(cfg->mode, MODE_SIGN);
	ck_assert_int_eq(cfg->dry_run, 1);
	ck_assert_str_eq(cfg->internal_hosts[1], "192.168.0.0/16");
	ck_assert_str_eq(cfg->submission_services[1], "smtps");
	snprintf(expect, sizeof expect, "%.*s/keys/kt", dirlen, path);
	ck_assert_str_eq(cfg->key_table, expect);
	ck_assert_str_eq(cfg->test_keys, "/abs/dns.tsv");
	snprintf(expect, sizeof expect, "refile:%.*s/st", dirlen, path);
	ck_assert_str_eq(cfg->signing_table, expect);
	ck_assert_int_eq(cfg->on_bad_signature, ACTION_REJECT);
	ck_assert_int_eq(cfg->signature_ttl, 86400);
	snprintf(expect, sizeof expect, "%s:3", path);
	ck_assert_str_eq(config_where(cfg, OPTID_InternalHosts, where,
			     sizeof where),
	    expect);
	config_free(cfg);
	unlink(path);
}
END_TEST

START_TEST(test_every_error_reported)
{
	struct errlist el = {0};
	char path[TU_PATH_MAX];

	tu_write_tmp(path, sizeof path, "Foo 1\nMode x\nDryRun x\n");
	ck_assert_ptr_null(config_load(path, &el));
	ck_assert_uint_eq(el.count, 3);
	errlist_free(&el);
	unlink(path);
}
END_TEST

/*
 * Each ENUM word and the constant it must parse to, written out by hand
 * and not expanded from the word lists: a list that pairs a word with
 * another constant fails here.
 */
static const struct enum_case {
	enum opt_id id;
	const char *word;
	int value;
} enum_cases[] = {
    {OPTID_Mode, "sign", MODE_SIGN},
    {OPTID_Mode, "verify", MODE_VERIFY},
    {OPTID_Mode, "both", MODE_BOTH},
    {OPTID_OnBadSignature, "accept", ACTION_ACCEPT},
    {OPTID_OnBadSignature, "reject", ACTION_REJECT},
    {OPTID_OnBadSignature, "tempfail", ACTION_TEMPFAIL},
    {OPTID_OnBadSignature, "quarantine", ACTION_QUARANTINE},
    {OPTID_OnTempError, "accept", ACTION_ACCEPT},
    {OPTID_OnTempError, "reject", ACTION_REJECT},
    {OPTID_OnTempError, "tempfail", ACTION_TEMPFAIL},
    {OPTID_OnTempError, "quarantine", ACTION_QUARANTINE},
    {OPTID_OnInternalError, "accept", ACTION_ACCEPT},
    {OPTID_OnInternalError, "reject", ACTION_REJECT},
    {OPTID_OnInternalError, "tempfail", ACTION_TEMPFAIL},
    {OPTID_Canonicalization, "relaxed/relaxed", CANON_RR},
    {OPTID_Canonicalization, "relaxed/simple", CANON_RS},
    {OPTID_Canonicalization, "simple/relaxed", CANON_SR},
    {OPTID_Canonicalization, "simple/simple", CANON_SS},
    {OPTID_GuardAction, "tempfail", GUARD_ACT_TEMPFAIL},
    {OPTID_GuardAction, "hold", GUARD_ACT_HOLD},
    {OPTID_GuardAction, "unsigned", GUARD_ACT_UNSIGNED},
    {OPTID_GuardAction, "sign", GUARD_ACT_SIGN},
    {OPTID_LogLevel, "error", LOGL_ERR},
    {OPTID_LogLevel, "warning", LOGL_WARNING},
    {OPTID_LogLevel, "notice", LOGL_NOTICE},
    {OPTID_LogLevel, "info", LOGL_INFO},
    {OPTID_LogLevel, "debug", LOGL_DEBUG},
    {OPTID_LogMessageLine, "off", MSGLOG_OFF},
    {OPTID_LogMessageLine, "normal", MSGLOG_NORMAL},
    {OPTID_LogMessageLine, "verbose", MSGLOG_VERBOSE},
    {OPTID_AlignmentMode, "relaxed", ALIGN_RELAXED},
    {OPTID_AlignmentMode, "strict", ALIGN_STRICT},
    {OPTID_OnUnaligned, "warn", UNALIGNED_WARN},
    {OPTID_OnUnaligned, "tempfail", UNALIGNED_TEMPFAIL},
    {OPTID_OnUnaligned, "hold", UNALIGNED_HOLD},
    {OPTID_OnOutlookReject, "warn", UNALIGNED_WARN},
    {OPTID_OnOutlookReject, "tempfail", UNALIGNED_TEMPFAIL},
    {OPTID_OnOutlookReject, "hold", UNALIGNED_HOLD},
    {OPTID_SyslogFacility, "mail", LOG_MAIL},
    {OPTID_SyslogFacility, "daemon", LOG_DAEMON},
    {OPTID_SyslogFacility, "user", LOG_USER},
    {OPTID_SyslogFacility, "local0", LOG_LOCAL0},
    {OPTID_SyslogFacility, "local1", LOG_LOCAL1},
    {OPTID_SyslogFacility, "local2", LOG_LOCAL2},
    {OPTID_SyslogFacility, "local3", LOG_LOCAL3},
    {OPTID_SyslogFacility, "local4", LOG_LOCAL4},
    {OPTID_SyslogFacility, "local5", LOG_LOCAL5},
    {OPTID_SyslogFacility, "local6", LOG_LOCAL6},
    {OPTID_SyslogFacility, "local7", LOG_LOCAL7},
};
#define NENUM_CASES (sizeof enum_cases / sizeof enum_cases[0])

/* enum_field - the parsed value of ENUM option id, by its field name */
static int
enum_field(const struct config *cfg, enum opt_id id)
{
	switch (id) {
	case OPTID_Mode:
		return cfg->mode;
	case OPTID_OnBadSignature:
		return cfg->on_bad_signature;
	case OPTID_OnTempError:
		return cfg->on_temp_error;
	case OPTID_OnInternalError:
		return cfg->on_internal_error;
	case OPTID_Canonicalization:
		return cfg->canonicalization;
	case OPTID_GuardAction:
		return cfg->guard_action;
	case OPTID_LogLevel:
		return cfg->log_level;
	case OPTID_LogMessageLine:
		return cfg->log_message_line;
	case OPTID_SyslogFacility:
		return cfg->syslog_facility;
	case OPTID_AlignmentMode:
		return cfg->alignment_mode;
	case OPTID_OnUnaligned:
		return cfg->on_unaligned;
	case OPTID_OnOutlookReject:
		return cfg->on_outlook_reject;
	default:
		ck_abort_msg("ENUM option %s has no case in enum_field",
		    config_options[id].name);
	}
	return -1;
}

/* one word, written in upper case in a file, loads as its constant and
 * is named by config_enum_str */
START_TEST(test_enum_word)
{
	const struct enum_case *c = &enum_cases[_i];
	struct errlist el = {0};
	struct config *cfg;
	char path[TU_PATH_MAX], text[128], upper[64];
	size_t i;

	for (i = 0; c->word[i] != '\0' && i < sizeof upper - 1; i++)
		upper[i] = (char)toupper((unsigned char)c->word[i]);
	upper[i] = '\0';
	snprintf(text, sizeof text, "%s %s\n", config_options[c->id].name,
	    upper);
	tu_write_tmp(path, sizeof path, text);
	cfg = config_load(path, &el);
	ck_assert_msg(cfg != NULL, "%s", errlist_str(&el));
	ck_assert_msg(enum_field(cfg, c->id) == c->value,
	    "%s %s parsed to %d, want %d", config_options[c->id].name, c->word,
	    enum_field(cfg, c->id), c->value);
	ck_assert_str_eq(config_enum_str(cfg, c->id), c->word);
	config_free(cfg);
	errlist_free(&el);
	unlink(path);
}
END_TEST

/* every word of every ENUM option has a row in enum_cases and the other
 * way round, so a new word cannot go untested */
START_TEST(test_enum_words_all_tested)
{
	const struct config_word *w;
	size_t i, nwords = 0, found;
	int id;

	for (id = 0; id < OPTID__COUNT; id++) {
		if (config_options[id].type != OT_ENUM) {
			ck_assert_ptr_null(config_options[id].words);
			continue;
		}
		ck_assert_ptr_nonnull(config_options[id].words);
		for (w = config_options[id].words; w->word != NULL; w++) {
			nwords++;
			for (found = 0, i = 0; i < NENUM_CASES; i++)
				found += enum_cases[i].id == (enum opt_id)id &&
				    strcmp(enum_cases[i].word, w->word) == 0;
			ck_assert_msg(found == 1,
			    "%s word '%s': %zu rows in "
			    "enum_cases, want 1",
			    config_options[id].name, w->word, found);
		}
	}
	ck_assert_uint_eq(nwords, NENUM_CASES);
}
END_TEST

/* every option of options.def is documented in dkimguard.conf(5) */
START_TEST(test_manpage_lists_every_option)
{
	const char *src = getenv("SRCDIR");
	char path[512], *text, needle[128];
	int id;

	snprintf(path, sizeof path, "%s/man/dkimguard.conf.5",
	    src != NULL ? src : ".");
	text = tu_read_file(path, NULL);
	ck_assert_msg(text != NULL, "cannot open %s", path);
	for (id = 0; id < OPTID__COUNT; id++) {
		snprintf(needle, sizeof needle, "\n.B %s\n",
		    config_options[id].name);
		ck_assert_msg(strstr(text, needle) != NULL,
		    "option %s is not documented in %s (want a '.B %s' line)",
		    config_options[id].name, path, config_options[id].name);
	}
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_conf_cases, 0,
	    sizeof conf_cases / sizeof conf_cases[0]);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_every_error_reported);
	tcase_add_test(tc, test_manpage_lists_every_option);
	tcase_add_loop_test(tc, test_enum_word, 0, NENUM_CASES);
	tcase_add_test(tc, test_enum_words_all_tested);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
