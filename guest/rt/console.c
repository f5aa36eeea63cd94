/*
 * Console output: a small printf (the guest has no libc) over console_io.
 *
 * Supported: flags '-' '0' '#' ' ' '+', width (number or '*'), precision
 * for strings and integers, length modifiers hh h l ll z t j, and the
 * conversions d i u x X o c s p %. Output is always NUL-terminated when n > 0;
 * the return value is the length the whole output would have had.
 */
#include <rt/hypercall.h>
#include <rt/rt.h>

struct out {
	char *buf;
	size_t n, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int count)
{
	while (count-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, int width, int prec, bool left)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (prec < 0 || len < prec))
		len++;
	if (!left)
		pad(o, ' ', width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (left)
		pad(o, ' ', width - len);
}

struct numfmt {
	unsigned int base;
	bool upper, left, zero, alt, plus, space;
	int width, prec;
};

static void put_num(struct out *o, uint64_t v, bool neg, const struct numfmt *f)
{
	const char *digits = f->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0, total;
	const char *prefix = "";
	int plen;

	do {
		tmp[nd++] = digits[v % f->base];
		v /= f->base;
	} while (v);
	if (f->prec == 0 && nd == 1 && tmp[0] == '0')
		nd = 0;
	if (neg)
		prefix = "-";
	else if (f->plus)
		prefix = "+";
	else if (f->space)
		prefix = " ";
	if (f->alt && f->base == 16)
		prefix = f->upper ? "0X" : "0x";
	else if (f->alt && f->base == 8)
		prefix = "0";
	plen = 0;
	while (prefix[plen])
		plen++;
	total = (f->prec > nd ? f->prec : nd) + plen;
	if (!f->left && !(f->zero && f->prec < 0))
		pad(o, ' ', f->width - total);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!f->left && f->zero && f->prec < 0)
		pad(o, '0', f->width - total);
	pad(o, '0', f->prec - nd);
	while (nd)
		put(o, tmp[--nd]);
	if (f->left)
		pad(o, ' ', f->width - total);
}

int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = {buf, n, 0};

	for (; *fmt; fmt++) {
		struct numfmt f = {.base = 10, .prec = -1};
		int lng = 0; /* -2 hh, -1 h, 1 l, 2 ll/z/t/j */
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (;;) {
			char c = *++fmt;
			if (c == '-')
				f.left = true;
			else if (c == '0')
				f.zero = true;
			else if (c == '#')
				f.alt = true;
			else if (c == '+')
				f.plus = true;
			else if (c == ' ')
				f.space = true;
			else
				break;
		}
		if (*fmt == '*') {
			f.width = va_arg(ap, int);
			if (f.width < 0) {
				f.left = true;
				f.width = -f.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				f.width = f.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			f.prec = 0;
			if (*fmt == '*') {
				f.prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					f.prec = f.prec * 10 + (*fmt++ - '0');
			}
		}
		for (;; fmt++) {
			if (*fmt == 'h')
				lng = lng < 0 ? -2 : -1;
			else if (*fmt == 'l')
				lng = lng > 0 ? 2 : 1;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 2;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 1)
				s = lng == 1 ? va_arg(ap, long) : va_arg(ap, long long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng == -2)
				s = (signed char)s;
			put_num(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, &f);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			f.base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			f.upper = *fmt == 'X';
			if (lng >= 1)
				u = lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long);
			else
				u = va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng == -2)
				u = (unsigned char)u;
			put_num(&o, u, false, &f);
			break;
		case 'p':
			f.base = 16;
			f.alt = true;
			put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), false, &f);
			break;
		case 'c':
			if (!f.left)
				pad(&o, ' ', f.width - 1);
			put(&o, (char)va_arg(ap, int));
			if (f.left)
				pad(&o, ' ', f.width - 1);
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), f.width, f.prec, f.left);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return (int)o.len;
}

int rt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = rt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

void rt_console_write(const char *s, size_t len)
{
	if (!rt_hypercalls_ready())
		return;
	while (len) {
		int chunk = len > 4096 ? 4096 : (int)len;
		long r = HYPERVISOR_console_io(CONSOLEIO_write, chunk, s);
		if (r < 0)
			return;
		s += chunk;
		len -= (size_t)chunk;
	}
}

int rt_vprintf(const char *fmt, va_list ap)
{
	char buf[512]; /* on the stack: guest memory in both builds */
	int r = rt_vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = r < 0 ? 0 : (size_t)r;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	rt_console_write(buf, len);
	return r;
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = rt_vprintf(fmt, ap);
	va_end(ap);
	return r;
}
