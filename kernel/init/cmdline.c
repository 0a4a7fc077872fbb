/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Command line storage and lookup. The text is copied out of the boot
 * information (bounded, always terminated) and split in place into words;
 * values are found by key. Lookups are linear: the line is short and read a
 * handful of times at boot.
 */
#include "init/cmdline.h"
#include "lib/kstring.h"
#include "lib/log.h"

#define MAX_WORDS 64

static char text[CMDLINE_MAX];
static char words_buf[CMDLINE_MAX];
static const char *words[MAX_WORDS];
static size_t nwords;

static const char *const known_keys[] = {"loglevel", "test", "ktest", "init"};

static size_t key_len(const char *w)
{
    const char *eq = strchr(w, '=');
    return eq ? (size_t)(eq - w) : strlen(w);
}

static bool is_known(const char *w)
{
    for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
        if (key_len(w) == strlen(known_keys[i]) && strncmp(w, known_keys[i], key_len(w)) == 0)
            return true;
    return false;
}

void cmdline_init(const char *src)
{
    size_t n = strnlen(src, CMDLINE_MAX - 1);
    memcpy(text, src, n);
    text[n] = '\0';
    memcpy(words_buf, text, n + 1);
    nwords = 0;
    for (char *p = words_buf; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        if (nwords == MAX_WORDS) {
            klog(LOG_WARN, "cmdline: more than %d words; the rest are ignored", MAX_WORDS);
            break;
        }
        words[nwords++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    if (n == CMDLINE_MAX - 1 && src[n])
        klog(LOG_WARN, "cmdline: longer than %d bytes; truncated", CMDLINE_MAX - 1);
    for (size_t i = 0; i < nwords; i++)
        if (!is_known(words[i]))
            klog(LOG_WARN, "cmdline: unknown option '%s' ignored", words[i]);
}

const char *cmdline_text(void)
{
    return text;
}

const char *cmdline_get(const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < nwords; i++) {
        if (key_len(words[i]) != kl || strncmp(words[i], key, kl) != 0)
            continue;
        return words[i][kl] == '=' ? words[i] + kl + 1 : words[i] + kl;
    }
    return NULL;
}

bool cmdline_has(const char *key)
{
    return cmdline_get(key) != NULL;
}

bool cmdline_list_contains(const char *list, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == nl && strncmp(p, name, nl) == 0)
            return true;
        if (!comma)
            break;
        p = comma + 1;
    }
    return false;
}
