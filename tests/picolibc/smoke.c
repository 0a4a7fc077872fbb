// SPDX-License-Identifier: BSD-2-Clause
/*
 * Link proof for picolibc in Cairn's ring 3 (scaffolding until libsys
 * lands): main() uses the parts of libc ring-3 programs lean on, and this
 * file supplies the start-up code and the OS calls picolibc leaves open
 * (posix-console: read/write/lseek/close; exit: _exit). The heap comes from
 * __heap_start/__heap_end in user.ld. The program is linked and inspected
 * by check-link.sh, never run: the stubs have no kernel to talk to yet.
 * TLS set-up (_init_tls, _set_tls, a ring-3 __set_tcb) is libsys's job.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	double v[3] = { strtod("2.5", NULL), 1.0, sqrt(2.0) };
	char line[64];
	char *name;

	qsort(v, 3, sizeof(v[0]), cmp_double);
	name = malloc(16);
	if (name == NULL)
		return 1;
	memcpy(name, "cairn", 6);
	snprintf(line, sizeof(line), "%s %zu %.3f", name, strlen(name), v[0]);
	free(name);
	printf("%s\n", line);
	/* Also pulls in stdin, which picolibc otherwise refers to weakly. */
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 2;
	return 0;
}

/* OS side. Placeholders: they must only resolve, not work. */
ssize_t write(int fd, const void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	return (ssize_t)len;
}

ssize_t read(int fd, void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	(void)len;
	return 0;
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)fd;
	(void)off;
	(void)whence;
	errno = ESPIPE;
	return -1;
}

int close(int fd)
{
	(void)fd;
	return 0;
}

void _exit(int status)
{
	(void)status;
	for (;;)
		__asm__ volatile("pause");
}

extern void __libc_init_array(void);
void start_c(void);

void start_c(void)
{
	__libc_init_array();
	exit(main());
}

/* The ABI wants %rsp 16-byte aligned at a call: align, then call into C. */
__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	call start_c\n"
	"	ud2\n");
