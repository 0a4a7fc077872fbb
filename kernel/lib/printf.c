/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel formatter (see lib/kprintf.h for the supported subset).
 *
 * Model: one pass over the format string. All output goes through a cursor
 * (struct out) that counts every character offered but stores only those
 * that fit, leaving room for the NUL; the count is the snprintf return value.
 * Each conversion is parsed into a struct spec (flags, width, precision,
 * length modifier), then rendered by fmt_int(), fmt_str() or fmt_ptr().
 * Arguments are read through a pointer to a va_copy of the caller's list so
 * that helpers may consume them (a va_list passed by value may not be used
 * again by the caller after the callee read from it).
 */
#include <limits.h>
#include <stdarg.h>

#include "lib/kprintf.h"

enum {
    F_LEFT = 1 << 0,  /* '-' */
    F_ZERO = 1 << 1,  /* '0' */
    F_PLUS = 1 << 2,  /* '+' */
    F_SPACE = 1 << 3, /* ' ' */
    F_ALT = 1 << 4,   /* '#' */
};

enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct spec {
    unsigned flags;
    int width;     /* 0 when absent */
    int prec;      /* -1 when absent */
    enum len_mod len;
};

struct out {
    char *buf;
    size_t size;
    size_t pos; /* characters produced so far, stored or not */
};

/* %zd reads the signed type of size_t's width; ptrdiff_t is that type on
 * every target Cairn builds for. */
_Static_assert(sizeof(ptrdiff_t) == sizeof(size_t), "ptrdiff_t and size_t differ in width");

static void out_char(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

/* Stores what fits and only counts the rest, so an absurd width such as
 * %2000000000d costs no time once the buffer is full. */
static void out_repeat(struct out *o, char c, size_t n)
{
    while (n > 0 && o->pos + 1 < o->size) {
        o->buf[o->pos++] = c;
        n--;
    }
    o->pos += n;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out_char(o, s[i]);
}

/* Padding needed to bring `len` characters up to the field width. */
static size_t pad_for(const struct spec *sp, size_t len)
{
    return (size_t)sp->width > len ? (size_t)sp->width - len : 0;
}

/* Length of s, reading at most max bytes: with a precision the string need
 * not be NUL-terminated, so strlen() would over-read. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

/* Saturates instead of overflowing on absurd widths like %99999999999d. */
static int parse_decimal(const char **pp)
{
    const char *p = *pp;
    int v = 0;
    while (*p >= '0' && *p <= '9') {
        int d = *p++ - '0';
        v = v > (INT_MAX - d) / 10 ? INT_MAX : v * 10 + d;
    }
    *pp = p;
    return v;
}

static const char *parse_flags(const char *p, struct spec *sp)
{
    for (;; p++) {
        switch (*p) {
        case '-': sp->flags |= F_LEFT; break;
        case '0': sp->flags |= F_ZERO; break;
        case '+': sp->flags |= F_PLUS; break;
        case ' ': sp->flags |= F_SPACE; break;
        case '#': sp->flags |= F_ALT; break;
        default: return p;
        }
    }
}

static const char *parse_width(const char *p, struct spec *sp, va_list *ap)
{
    if (*p != '*') {
        sp->width = parse_decimal(&p);
        return p;
    }
    int w = va_arg(*ap, int);
    if (w < 0) {
        /* C: a negative * width is a '-' flag plus a positive width. */
        sp->flags |= F_LEFT;
        w = w == INT_MIN ? INT_MAX : -w;
    }
    sp->width = w;
    return p + 1;
}

static const char *parse_precision(const char *p, struct spec *sp, va_list *ap)
{
    if (*p != '.')
        return p;
    p++;
    if (*p != '*') {
        sp->prec = parse_decimal(&p);
        return p;
    }
    int pr = va_arg(*ap, int);
    sp->prec = pr < 0 ? -1 : pr; /* C: negative means "no precision" */
    return p + 1;
}

static const char *parse_length(const char *p, struct spec *sp)
{
    switch (*p) {
    case 'h':
        if (p[1] == 'h') {
            sp->len = LEN_HH;
            return p + 2;
        }
        sp->len = LEN_H;
        return p + 1;
    case 'l':
        if (p[1] == 'l') {
            sp->len = LEN_LL;
            return p + 2;
        }
        sp->len = LEN_L;
        return p + 1;
    case 'z': sp->len = LEN_Z; return p + 1;
    case 'j': sp->len = LEN_J; return p + 1;
    case 't': sp->len = LEN_T; return p + 1;
    default: return p;
    }
}

/* Parses everything between '%' and the conversion character; returns a
 * pointer to the conversion character (possibly the terminating NUL). */
static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .flags = 0, .width = 0, .prec = -1, .len = LEN_NONE };
    p = parse_flags(p, sp);
    p = parse_width(p, sp, ap);
    p = parse_precision(p, sp, ap);
    return parse_length(p, sp);
}

/* Default argument promotion widens char and short to int, so those are
 * read as int and narrowed back, as C requires for hh and h. */
static intmax_t fetch_signed(enum len_mod len, va_list *ap)
{
    switch (len) {
    case LEN_HH: return (signed char)va_arg(*ap, int);
    case LEN_H: return (short)va_arg(*ap, int);
    case LEN_L: return va_arg(*ap, long);
    case LEN_LL: return va_arg(*ap, long long);
    case LEN_Z: return (ptrdiff_t)va_arg(*ap, size_t);
    case LEN_J: return va_arg(*ap, intmax_t);
    case LEN_T: return va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, int);
    }
}

static uintmax_t fetch_unsigned(enum len_mod len, va_list *ap)
{
    switch (len) {
    case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_L: return va_arg(*ap, unsigned long);
    case LEN_LL: return va_arg(*ap, unsigned long long);
    case LEN_Z: return va_arg(*ap, size_t);
    case LEN_J: return va_arg(*ap, uintmax_t);
    case LEN_T: return (size_t)va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, unsigned int);
    }
}

/* Writes the digits of v right-aligned ending at `end`; returns how many.
 * Zero yields no digits: the precision (default 1) supplies the "0", which
 * is how C makes %.0d print nothing for 0. */
static size_t format_digits(char *end, uintmax_t v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    while (v != 0) {
        *--end = digits[v % base];
        v /= base;
        n++;
    }
    return n;
}

struct int_parts {
    char prefix[2]; /* sign or 0x */
    size_t prefix_len;
    size_t zeros;   /* leading zeros from precision or '#' with o */
};

static struct int_parts int_layout(const struct spec *sp, bool neg, bool is_signed,
                                   uintmax_t mag, unsigned base, bool upper, size_t ndigits)
{
    struct int_parts ip = { .prefix_len = 0, .zeros = 0 };
    if (neg)
        ip.prefix[ip.prefix_len++] = '-';
    else if (is_signed && (sp->flags & F_PLUS))
        ip.prefix[ip.prefix_len++] = '+';
    else if (is_signed && (sp->flags & F_SPACE))
        ip.prefix[ip.prefix_len++] = ' ';
    if ((sp->flags & F_ALT) && base == 16 && mag != 0) {
        ip.prefix[ip.prefix_len++] = '0';
        ip.prefix[ip.prefix_len++] = upper ? 'X' : 'x';
    }
    size_t prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
    ip.zeros = prec > ndigits ? prec - ndigits : 0;
    /* '#' with o: the first digit must be 0; digits of a non-zero value never
     * start with 0, so one extra zero is needed unless precision gave some. */
    if ((sp->flags & F_ALT) && base == 8 && ip.zeros == 0)
        ip.zeros = 1;
    return ip;
}

static void fmt_int(struct out *o, const struct spec *sp, bool neg, bool is_signed,
                    uintmax_t mag, unsigned base, bool upper)
{
    char tmp[24]; /* 22 octal digits hold 64 bits */
    size_t nd = format_digits(tmp + sizeof(tmp), mag, base, upper);
    struct int_parts ip = int_layout(sp, neg, is_signed, mag, base, upper, nd);
    size_t pad = pad_for(sp, ip.prefix_len + ip.zeros + nd);
    /* C: '0' is ignored with '-' or with a precision on integers. */
    bool zero_pad = (sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->prec < 0;

    if (!(sp->flags & F_LEFT) && !zero_pad)
        out_repeat(o, ' ', pad);
    out_mem(o, ip.prefix, ip.prefix_len);
    out_repeat(o, '0', ip.zeros + (zero_pad ? pad : 0));
    out_mem(o, tmp + sizeof(tmp) - nd, nd);
    if (sp->flags & F_LEFT)
        out_repeat(o, ' ', pad);
}

static void fmt_str(struct out *o, const struct spec *sp, const char *s, size_t len)
{
    size_t pad = pad_for(sp, len);
    if (!(sp->flags & F_LEFT))
        out_repeat(o, ' ', pad);
    out_mem(o, s, len);
    if (sp->flags & F_LEFT)
        out_repeat(o, ' ', pad);
}

static void fmt_cstring(struct out *o, const struct spec *sp, const char *s)
{
    if (s == NULL)
        s = "(null)";
    fmt_str(o, sp, s, bounded_len(s, sp->prec < 0 ? SIZE_MAX : (size_t)sp->prec));
}

/* Fixed 16 digits: kernel addresses stay aligned in columns of a log. */
static void fmt_ptr(struct out *o, const struct spec *sp, const void *ptr)
{
    char tmp[18] = { '0', 'x' };
    uintmax_t v = (uintptr_t)ptr;
    for (int i = 17; i >= 2; i--) {
        tmp[i] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    }
    fmt_str(o, sp, tmp, sizeof(tmp));
}

static void fmt_signed(struct out *o, const struct spec *sp, va_list *ap)
{
    intmax_t v = fetch_signed(sp->len, ap);
    /* Negate in unsigned arithmetic: -INTMAX_MIN overflows intmax_t. */
    uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
    fmt_int(o, sp, v < 0, true, mag, 10, false);
}

/* Renders one conversion; returns false for an unknown conversion
 * character, which the caller then prints verbatim. */
static bool convert(struct out *o, const struct spec *sp, char conv, va_list *ap)
{
    switch (conv) {
    case 'd':
    case 'i': fmt_signed(o, sp, ap); return true;
    case 'u': fmt_int(o, sp, false, false, fetch_unsigned(sp->len, ap), 10, false); return true;
    case 'x': fmt_int(o, sp, false, false, fetch_unsigned(sp->len, ap), 16, false); return true;
    case 'X': fmt_int(o, sp, false, false, fetch_unsigned(sp->len, ap), 16, true); return true;
    case 'o': fmt_int(o, sp, false, false, fetch_unsigned(sp->len, ap), 8, false); return true;
    case 'c': {
        char c = (char)(unsigned char)va_arg(*ap, int);
        fmt_str(o, sp, &c, 1);
        return true;
    }
    case 's': fmt_cstring(o, sp, va_arg(*ap, const char *)); return true;
    case 'p': fmt_ptr(o, sp, va_arg(*ap, const void *)); return true;
    case '%': out_char(o, '%'); return true;
    default: return false;
    }
}

/* Handles one conversion starting at '%'; returns where literal text resumes. */
static const char *do_conversion(struct out *o, const char *pct, va_list *ap)
{
    struct spec sp;
    const char *p = parse_spec(pct + 1, &sp, ap);
    if (*p == '\0') {
        out_mem(o, pct, (size_t)(p - pct)); /* format ends inside a conversion */
        return p;
    }
    if (!convert(o, &sp, *p, ap))
        out_mem(o, pct, (size_t)(p - pct) + 1);
    return p + 1;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    /* C leaves buf == NULL with size > 0 undefined; the kernel formatter may
     * run inside panic, so it degrades to counting rather than faulting. */
    struct out o = { .buf = buf, .size = buf != NULL ? size : 0, .pos = 0 };
    va_list args;
    va_copy(args, ap);
    const char *p = fmt;
    while (*p != '\0') {
        if (*p == '%')
            p = do_conversion(&o, p, &args);
        else
            out_char(&o, *p++);
    }
    va_end(args);
    if (o.size > 0)
        o.buf[o.pos < o.size ? o.pos : o.size - 1] = '\0';
    return o.pos > INT_MAX ? -1 : (int)o.pos;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
