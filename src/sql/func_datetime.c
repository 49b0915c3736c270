/*
 * func_datetime.c - date and time functions with DuckDB's semantics.
 *
 * Values: DATE is int32 days since 1970-01-01, TIME int64 microseconds of
 * the day, TIMESTAMP / TIMESTAMPTZ int64 microseconds since the epoch
 * (TIMESTAMPTZ in UTC), INTERVAL {months, days, micros}.  A timestamp
 * splits into a day number (floor division) and a time of day; civil
 * dates come from ko_civil_from_days (proleptic Gregorian).
 *
 * Date parts ("year", "dow", "epoch" ...) are parsed once: in bind when
 * the specifier is constant (the usual case: EXTRACT, date_trunc('month',
 * x)), per row otherwise.  Kernels then run a switch on the part outside
 * the row loop where it matters (date_part over a DATE column is the hot
 * case).  Results: BIGINT for every part except epoch and julian (DOUBLE),
 * as DuckDB; date_trunc of a DATE gives a TIMESTAMP.
 *
 * date_diff counts boundaries crossed (floor division of each side);
 * date_sub and age count whole elapsed units (DuckDB's Interval::GetAge);
 * adding months to a date clamps the day (Jan 31 + 1 month = Feb 29).
 */
#include "sql/func_util.h"

#include <math.h>
#include <stdio.h>
#include <strings.h>

#define US_PER_SEC  INT64_C(1000000)
#define US_PER_MIN  (60 * US_PER_SEC)
#define US_PER_HOUR (60 * US_PER_MIN)
#define US_PER_DAY  (24 * US_PER_HOUR)

/* ------------------------------------------------------------ calendar */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, unsigned m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

typedef struct civil {
    int64_t y;
    unsigned m, d;
    int64_t days; /* since epoch */
    int64_t tod;  /* microseconds of the day */
} civil;

static civil civil_of_days(int64_t days)
{
    civil c = {0};
    c.days = days;
    ko_civil_from_days(days, &c.y, &c.m, &c.d);
    return c;
}

static civil civil_of_ts(int64_t us)
{
    int64_t days = floor_div(us, US_PER_DAY);
    civil c = civil_of_days(days);
    c.tod = us - days * US_PER_DAY;
    return c;
}

/* 0 = Sunday. */
static int64_t dow_of(int64_t days)
{
    int64_t w = (days + 4) % 7;
    return w < 0 ? w + 7 : w;
}

static int64_t isodow_of(int64_t days)
{
    int64_t w = dow_of(days);
    return w == 0 ? 7 : w;
}

static int64_t doy_of(const civil *c)
{
    return c->days - ko_days_from_civil(c->y, 1, 1) + 1;
}

/* ISO 8601 week number and week-numbering year. */
static void iso_week(int64_t days, int64_t *year, int64_t *week)
{
    int64_t thursday = days - isodow_of(days) + 4;
    civil t = civil_of_days(thursday);
    *year = t.y;
    *week = (thursday - ko_days_from_civil(t.y, 1, 1)) / 7 + 1;
}

/* ----------------------------------------------------------- date parts */

typedef enum dpart {
    DP_INVALID = 0,
    DP_YEAR,
    DP_QUARTER,
    DP_MONTH,
    DP_DAY,
    DP_DECADE,
    DP_CENTURY,
    DP_MILLENNIUM,
    DP_HOUR,
    DP_MINUTE,
    DP_SECOND,
    DP_MILLISECOND,
    DP_MICROSECOND,
    DP_EPOCH,
    DP_DOW,
    DP_ISODOW,
    DP_DOY,
    DP_WEEK,
    DP_ISOYEAR,
    DP_YEARWEEK,
    DP_ERA,
    DP_JULIAN,
    DP_TIMEZONE,
    DP_TZ_HOUR,
    DP_TZ_MINUTE,
} dpart;

static dpart part_parse(const char *s, size_t n)
{
    static const struct {
        const char *name;
        dpart p;
    } names[] = {
        {"year", DP_YEAR},
        {"y", DP_YEAR},
        {"yr", DP_YEAR},
        {"yrs", DP_YEAR},
        {"years", DP_YEAR},
        {"quarter", DP_QUARTER},
        {"quarters", DP_QUARTER},
        {"month", DP_MONTH},
        {"mon", DP_MONTH},
        {"mons", DP_MONTH},
        {"months", DP_MONTH},
        {"day", DP_DAY},
        {"days", DP_DAY},
        {"d", DP_DAY},
        {"dayofmonth", DP_DAY},
        {"decade", DP_DECADE},
        {"dec", DP_DECADE},
        {"decades", DP_DECADE},
        {"decs", DP_DECADE},
        {"century", DP_CENTURY},
        {"cent", DP_CENTURY},
        {"centuries", DP_CENTURY},
        {"c", DP_CENTURY},
        {"millennium", DP_MILLENNIUM},
        {"mil", DP_MILLENNIUM},
        {"millenia", DP_MILLENNIUM},
        {"millennia", DP_MILLENNIUM},
        {"mils", DP_MILLENNIUM},
        {"millenium", DP_MILLENNIUM},
        {"hour", DP_HOUR},
        {"hours", DP_HOUR},
        {"h", DP_HOUR},
        {"hr", DP_HOUR},
        {"hrs", DP_HOUR},
        {"minute", DP_MINUTE},
        {"minutes", DP_MINUTE},
        {"m", DP_MINUTE},
        {"min", DP_MINUTE},
        {"mins", DP_MINUTE},
        {"second", DP_SECOND},
        {"seconds", DP_SECOND},
        {"s", DP_SECOND},
        {"sec", DP_SECOND},
        {"secs", DP_SECOND},
        {"millisecond", DP_MILLISECOND},
        {"milliseconds", DP_MILLISECOND},
        {"ms", DP_MILLISECOND},
        {"msec", DP_MILLISECOND},
        {"msecs", DP_MILLISECOND},
        {"msecond", DP_MILLISECOND},
        {"mseconds", DP_MILLISECOND},
        {"millis", DP_MILLISECOND},
        {"microsecond", DP_MICROSECOND},
        {"microseconds", DP_MICROSECOND},
        {"us", DP_MICROSECOND},
        {"usec", DP_MICROSECOND},
        {"usecs", DP_MICROSECOND},
        {"usecond", DP_MICROSECOND},
        {"useconds", DP_MICROSECOND},
        {"epoch", DP_EPOCH},
        {"dow", DP_DOW},
        {"dayofweek", DP_DOW},
        {"weekday", DP_DOW},
        {"isodow", DP_ISODOW},
        {"doy", DP_DOY},
        {"dayofyear", DP_DOY},
        {"week", DP_WEEK},
        {"weeks", DP_WEEK},
        {"w", DP_WEEK},
        {"weekofyear", DP_WEEK},
        {"isoyear", DP_ISOYEAR},
        {"yearweek", DP_YEARWEEK},
        {"era", DP_ERA},
        {"julian", DP_JULIAN},
        {"timezone", DP_TIMEZONE},
        {"timezone_hour", DP_TZ_HOUR},
        {"timezone_minute", DP_TZ_MINUTE},
    };
    char low[32];
    if (n == 0 || n >= sizeof low)
        return DP_INVALID;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    low[n] = '\0';
    for (size_t i = 0; i < KO_ARRAY_LEN(names); i++)
        if (strcmp(names[i].name, low) == 0)
            return names[i].p;
    return DP_INVALID;
}

static ko_status part_error(ko_err *err, ko_sql_str s)
{
    return ko_err_set(err, KO_ERR_INVALID, "extract specifier \"%.*s\" not recognized",
                      (int)(s.len > 64 ? 64 : s.len), s.ptr ? s.ptr : "");
}

static bool part_is_double(dpart p)
{
    return p == DP_EPOCH || p == DP_JULIAN;
}

static int64_t century_of(int64_t y)
{
    return y > 0 ? (y - 1) / 100 + 1 : y / 100 - 1;
}

static int64_t millennium_of(int64_t y)
{
    return y > 0 ? (y - 1) / 1000 + 1 : y / 1000 - 1;
}

/* A date part of a civil date-time (BIGINT parts). */
static int64_t part_of_civil(dpart p, const civil *c)
{
    int64_t iy, iw, sec = c->tod / US_PER_SEC;
    switch (p) {
    case DP_YEAR:
        return c->y;
    case DP_QUARTER:
        return (c->m - 1) / 3 + 1;
    case DP_MONTH:
        return c->m;
    case DP_DAY:
        return c->d;
    case DP_DECADE:
        return c->y / 10;
    case DP_CENTURY:
        return century_of(c->y);
    case DP_MILLENNIUM:
        return millennium_of(c->y);
    case DP_HOUR:
        return sec / 3600;
    case DP_MINUTE:
        return sec / 60 % 60;
    case DP_SECOND:
        return sec % 60;
    case DP_MILLISECOND:
        return c->tod % US_PER_MIN / 1000;
    case DP_MICROSECOND:
        return c->tod % US_PER_MIN;
    case DP_DOW:
        return dow_of(c->days);
    case DP_ISODOW:
        return isodow_of(c->days);
    case DP_DOY:
        return doy_of(c);
    case DP_WEEK:
        iso_week(c->days, &iy, &iw);
        return iw;
    case DP_ISOYEAR:
        iso_week(c->days, &iy, &iw);
        return iy;
    case DP_YEARWEEK:
        iso_week(c->days, &iy, &iw);
        return iy * 100 + (iy > 0 ? iw : -iw);
    case DP_ERA:
        return c->y > 0;
    default: /* time zone parts: always UTC */
        return 0;
    }
}

static double part_double_civil(dpart p, const civil *c)
{
    double us = (double)c->days * (double)US_PER_DAY + (double)c->tod;
    if (p == DP_EPOCH)
        return us / 1e6;
    return (double)(c->days + 2440588) + (double)c->tod / (double)US_PER_DAY;
}

static bool part_ok_for_time(dpart p)
{
    return p == DP_HOUR || p == DP_MINUTE || p == DP_SECOND || p == DP_MILLISECOND ||
           p == DP_MICROSECOND || p == DP_EPOCH || p == DP_TIMEZONE || p == DP_TZ_HOUR ||
           p == DP_TZ_MINUTE;
}

static int64_t part_of_interval(dpart p, const ko_sql_interval *iv)
{
    int64_t us = iv->micros;
    switch (p) {
    case DP_YEAR:
        return iv->months / 12;
    case DP_QUARTER:
        return iv->months % 12 / 3 + 1;
    case DP_MONTH:
        return iv->months % 12;
    case DP_DAY:
        return iv->days;
    case DP_DECADE:
        return iv->months / 120;
    case DP_CENTURY:
        return iv->months / 1200;
    case DP_MILLENNIUM:
        return iv->months / 12000;
    case DP_HOUR:
        return us / US_PER_HOUR;
    case DP_MINUTE:
        return us % US_PER_HOUR / US_PER_MIN;
    case DP_SECOND:
        return us % US_PER_MIN / US_PER_SEC;
    case DP_MILLISECOND:
        return us % US_PER_MIN / 1000;
    case DP_MICROSECOND:
        return us % US_PER_MIN;
    default:
        return 0;
    }
}

static double interval_epoch(const ko_sql_interval *iv)
{
    return ((double)iv->months * 30.0 * (double)US_PER_DAY + (double)iv->days * (double)US_PER_DAY +
            (double)iv->micros) /
           1e6;
}

static bool part_ok_for_interval(dpart p)
{
    return p == DP_EPOCH || (p >= DP_YEAR && p <= DP_MICROSECOND);
}

/* ------------------------------------------------------------- date_part */

typedef struct part_bind {
    dpart part; /* DP_INVALID: per row */
} part_bind;

/* The part of the argument at row i as int64 or double; false when the
 * part does not apply to the type. */
static bool part_value(dpart p, const ko_vec *x, size_t i, int64_t *iv, double *dv)
{
    size_t k = ko_vec_idx(x, i);
    switch (x->type.id) {
    case KO_SQL_DT_DATE: {
        civil c = civil_of_days(KO_VEC_DATA(x, const int32_t)[k]);
        if (part_is_double(p))
            *dv = part_double_civil(p, &c);
        else
            *iv = part_of_civil(p, &c);
        return true;
    }
    case KO_SQL_DT_TIME: {
        civil c = {0};
        c.tod = KO_VEC_DATA(x, const int64_t)[k];
        if (p == DP_EPOCH)
            *dv = (double)c.tod / 1e6;
        else
            *iv = part_of_civil(p, &c);
        return part_ok_for_time(p);
    }
    case KO_SQL_DT_INTERVAL: {
        const ko_sql_interval *v = &KO_VEC_DATA(x, const ko_sql_interval)[k];
        if (p == DP_EPOCH)
            *dv = interval_epoch(v);
        else
            *iv = part_of_interval(p, v);
        return part_ok_for_interval(p);
    }
    default: {
        civil c = civil_of_ts(KO_VEC_DATA(x, const int64_t)[k]);
        if (part_is_double(p))
            *dv = part_double_civil(p, &c);
        else
            *iv = part_of_civil(p, &c);
        return true;
    }
    }
}

static ko_status part_unsupported(ko_err *err, dpart p, const ko_vec *x)
{
    (void)p;
    return ko_err_set(err, KO_ERR_INVALID, "date part not supported for %s values",
                      ko_sql_dtid_name(x->type.id));
}

/* Fast path: BIGINT part of a DATE column. */
static void date_part_dates(dpart p, const ko_vec *x, const uint32_t *sel, size_t n_sel,
                            size_t n_rows, int64_t *o)
{
    const int32_t *in = KO_VEC_DATA(x, const int32_t);
    if (p == DP_YEAR) {
        KO_SQL_LOOP(i, sel, n_sel, n_rows, {
            int64_t y;
            unsigned m, d;
            ko_civil_from_days(in[ko_vec_idx(x, i)], &y, &m, &d);
            o[i] = y;
        });
        return;
    }
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        civil c = civil_of_days(in[ko_vec_idx(x, i)]);
        o[i] = part_of_civil(p, &c);
    });
}

static ko_status part_kernel(const ko_sql_fn_ctx *ctx, dpart fixed, const ko_vec *spec,
                             const ko_vec *x, const uint32_t *sel, size_t n_sel, size_t n_rows,
                             ko_vec *out)
{
    bool dbl = out->type.id == KO_SQL_DT_DOUBLE;
    if (fixed != DP_INVALID && !dbl && x->type.id == KO_SQL_DT_DATE) {
        date_part_dates(fixed, x, sel, n_sel, n_rows, KO_VEC_DATA(out, int64_t));
        return KO_OK;
    }
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        dpart p = fixed;
        if (p == DP_INVALID) {
            ko_sql_str s = fu_str(spec, i);
            p = part_parse(s.ptr, s.len);
            if (p == DP_INVALID)
                return part_error(ctx->err, s);
        }
        int64_t iv = 0;
        double dv = 0;
        if (!part_value(p, x, i, &iv, &dv))
            return part_unsupported(ctx->err, p, x);
        if (dbl)
            KO_VEC_DATA(out, double)[i] = part_is_double(p) ? dv : (double)iv;
        else
            KO_VEC_DATA(out, int64_t)[i] = part_is_double(p) ? (int64_t)dv : iv;
    });
    return KO_OK;
}

static ko_status bind_date_part(KO_BIND_PARAMS)
{
    (void)bn_args;
    part_bind *b = ko_arena_calloc(arena, 1, sizeof *b);
    if (!b)
        return ko_err_set(err, KO_ERR_NOMEM, "date_part: out of memory");
    *bind_data = b;
    *ret = ko_sql_dtype_of(KO_SQL_DT_BIGINT);
    const ko_vec *s = fu_const_arg(const_args, 0);
    if (!s || !ko_vec_valid(s, 0))
        return KO_OK;
    ko_sql_str str = fu_str(s, 0);
    b->part = part_parse(str.ptr, str.len);
    if (b->part == DP_INVALID)
        return part_error(err, str);
    if ((bargs[1].id == KO_SQL_DT_TIME && !part_ok_for_time(b->part)) ||
        (bargs[1].id == KO_SQL_DT_INTERVAL && !part_ok_for_interval(b->part)))
        return ko_err_set(err, KO_ERR_INVALID, "\"%.*s\" is not a part of %s values", (int)str.len,
                          str.ptr, ko_sql_dtid_name(bargs[1].id));
    if (part_is_double(b->part))
        *ret = ko_sql_dtype_of(KO_SQL_DT_DOUBLE);
    return KO_OK;
}

static ko_status fn_date_part(KO_FN_PARAMS)
{
    (void)n_args;
    const part_bind *b = ctx->bind_data;
    return part_kernel(ctx, b ? b->part : DP_INVALID, args[0], args[1], sel, n_sel, n_rows, out);
}

/* year(x), month(x) ...: the part is the function's name. */
static ko_status fn_named_part(KO_FN_PARAMS)
{
    (void)n_args;
    const char *name = ctx->fn->name;
    dpart p = strcmp(name, "epoch") == 0 ? DP_EPOCH : part_parse(name, strlen(name));
    if (p == DP_INVALID)
        return ko_err_set(ctx->err, KO_ERR_INTERNAL, "%s: not a date part", name);
    return part_kernel(ctx, p, args[0], args[0], sel, n_sel, n_rows, out); /* spec unused */
}

/* ------------------------------------------------------------ date_trunc */

static int64_t trunc_civil(dpart p, const civil *c, bool *ok)
{
    int64_t y = c->y, iy, iw;
    *ok = true;
    switch (p) {
    case DP_MILLENNIUM:
        return ko_days_from_civil(y / 1000 * 1000, 1, 1) * US_PER_DAY;
    case DP_CENTURY:
        return ko_days_from_civil(y / 100 * 100, 1, 1) * US_PER_DAY;
    case DP_DECADE:
        return ko_days_from_civil(y / 10 * 10, 1, 1) * US_PER_DAY;
    case DP_YEAR:
        return ko_days_from_civil(y, 1, 1) * US_PER_DAY;
    case DP_QUARTER:
        return ko_days_from_civil(y, (c->m - 1) / 3 * 3 + 1, 1) * US_PER_DAY;
    case DP_MONTH:
        return ko_days_from_civil(y, c->m, 1) * US_PER_DAY;
    case DP_WEEK:
    case DP_YEARWEEK:
        return (c->days - isodow_of(c->days) + 1) * US_PER_DAY;
    case DP_ISOYEAR: {
        iso_week(c->days, &iy, &iw);
        int64_t monday = c->days - isodow_of(c->days) + 1;
        return (monday - (iw - 1) * 7) * US_PER_DAY;
    }
    case DP_DAY:
    case DP_DOW:
    case DP_ISODOW:
    case DP_DOY:
        return c->days * US_PER_DAY;
    case DP_HOUR:
        return c->days * US_PER_DAY + c->tod / US_PER_HOUR * US_PER_HOUR;
    case DP_MINUTE:
        return c->days * US_PER_DAY + c->tod / US_PER_MIN * US_PER_MIN;
    case DP_SECOND:
    case DP_EPOCH:
        return c->days * US_PER_DAY + c->tod / US_PER_SEC * US_PER_SEC;
    case DP_MILLISECOND:
        return c->days * US_PER_DAY + c->tod / 1000 * 1000;
    case DP_MICROSECOND:
        return c->days * US_PER_DAY + c->tod;
    default:
        *ok = false;
        return 0;
    }
}

static ko_status bind_date_trunc(KO_BIND_PARAMS)
{
    ko_status st = bind_date_part(bargs, bn_args, const_args, arena, ret, bind_data, err);
    *ret = ko_sql_dtype_of(bargs[1].id == KO_SQL_DT_TIMESTAMPTZ ? KO_SQL_DT_TIMESTAMPTZ
                                                                : KO_SQL_DT_TIMESTAMP);
    return st;
}

static ko_status fn_date_trunc(KO_FN_PARAMS)
{
    (void)n_args;
    const part_bind *b = ctx->bind_data;
    const ko_vec *x = args[1];
    bool is_date = x->type.id == KO_SQL_DT_DATE;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        dpart p = b ? b->part : DP_INVALID;
        if (p == DP_INVALID) {
            ko_sql_str s = fu_str(args[0], i);
            p = part_parse(s.ptr, s.len);
            if (p == DP_INVALID)
                return part_error(ctx->err, s);
        }
        civil c = is_date ? civil_of_days(fu_i32(x, i)) : civil_of_ts(fu_i64(x, i));
        bool ok;
        o[i] = trunc_civil(p, &c, &ok);
        if (!ok)
            return ko_err_set(ctx->err, KO_ERR_INVALID, "date_trunc: unsupported part");
    });
    return KO_OK;
}

/* ------------------------------------------------- date_diff / date_sub */

static int64_t ts_of(const ko_vec *v, size_t i)
{
    if (v->type.id == KO_SQL_DT_DATE)
        return (int64_t)fu_i32(v, i) * US_PER_DAY;
    return fu_i64(v, i);
}

static bool diff_parts(dpart p, int64_t a, int64_t b, int64_t *out)
{
    civil x = civil_of_ts(a), y = civil_of_ts(b);
    int64_t iya, iyb, w;
    switch (p) {
    case DP_YEAR:
        *out = y.y - x.y;
        return true;
    case DP_QUARTER:
        *out = (y.y * 4 + (y.m - 1) / 3) - (x.y * 4 + (x.m - 1) / 3);
        return true;
    case DP_MONTH:
        *out = (y.y * 12 + y.m) - (x.y * 12 + x.m);
        return true;
    case DP_DECADE:
        *out = y.y / 10 - x.y / 10;
        return true;
    case DP_CENTURY:
        *out = y.y / 100 - x.y / 100;
        return true;
    case DP_MILLENNIUM:
        *out = y.y / 1000 - x.y / 1000;
        return true;
    case DP_ISOYEAR:
        iso_week(x.days, &iya, &w);
        iso_week(y.days, &iyb, &w);
        *out = iyb - iya;
        return true;
    case DP_DAY:
    case DP_DOW:
    case DP_ISODOW:
    case DP_DOY:
        *out = y.days - x.days;
        return true;
    case DP_WEEK:
    case DP_YEARWEEK:
        *out = (y.days - x.days) / 7;
        return true;
    default:
        return false;
    }
}

static bool diff_time(dpart p, int64_t a, int64_t b, int64_t *out)
{
    int64_t unit;
    switch (p) {
    case DP_HOUR:
        unit = US_PER_HOUR;
        break;
    case DP_MINUTE:
        unit = US_PER_MIN;
        break;
    case DP_SECOND:
    case DP_EPOCH:
        unit = US_PER_SEC;
        break;
    case DP_MILLISECOND:
        unit = 1000;
        break;
    case DP_MICROSECOND:
        unit = 1;
        break;
    default:
        return false;
    }
    *out = floor_div(b, unit) - floor_div(a, unit);
    return true;
}

static ko_status diff_kernel(KO_FN_PARAMS, bool sub);

static ko_status fn_date_diff(KO_FN_PARAMS)
{
    return diff_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, false);
}

static ko_status fn_date_sub(KO_FN_PARAMS)
{
    return diff_kernel(ctx, args, n_args, sel, n_sel, n_rows, out, true);
}

/* DuckDB's Interval::GetAge(t1, t2): t1 - t2 as years/months/days/time. */
static ko_sql_interval age_of(int64_t t1, int64_t t2)
{
    civil a = civil_of_ts(t1), b = civil_of_ts(t2);
    int64_t sign = t1 < t2 ? -1 : 1;
    int64_t yd = (a.y - b.y) * sign, md = ((int64_t)a.m - (int64_t)b.m) * sign;
    int64_t dd = ((int64_t)a.d - (int64_t)b.d) * sign, us = (a.tod - b.tod) * sign;
    while (us < 0) {
        us += US_PER_DAY;
        dd--;
    }
    while (dd < 0) {
        const civil *r = t1 < t2 ? &a : &b;
        dd += month_days(r->y, r->m);
        md--;
    }
    while (md < 0) {
        md += 12;
        yd--;
    }
    ko_sql_interval iv = {(int32_t)((yd * 12 + md) * sign), (int32_t)(dd * sign), us * sign};
    return iv;
}

/* date_sub('month', a, b): whole months from a to b, where b on the last
 * day of its month counts as a full month (DuckDB's MonthOperator). */
static int64_t sub_months(int64_t a, int64_t b)
{
    if (a > b)
        return -sub_months(b, a);
    civil e = civil_of_ts(b), s = civil_of_ts(a);
    int end_days = month_days(e.y, e.m);
    if ((int)e.d == end_days && ((int)s.d > end_days || ((int)s.d == end_days && s.tod < e.tod)))
        a = (ko_days_from_civil(s.y, s.m, (unsigned)end_days)) * US_PER_DAY + s.tod;
    return age_of(b, a).months;
}

static bool sub_value(dpart p, int64_t a, int64_t b, int64_t *out)
{
    int64_t d = b - a;
    switch (p) {
    case DP_YEAR:
        *out = sub_months(a, b) / 12;
        return true;
    case DP_QUARTER:
        *out = sub_months(a, b) / 3;
        return true;
    case DP_MONTH:
        *out = sub_months(a, b);
        return true;
    case DP_DECADE:
        *out = sub_months(a, b) / 120;
        return true;
    case DP_CENTURY:
        *out = sub_months(a, b) / 1200;
        return true;
    case DP_MILLENNIUM:
        *out = sub_months(a, b) / 12000;
        return true;
    case DP_DAY:
    case DP_DOW:
    case DP_ISODOW:
    case DP_DOY:
        *out = d / US_PER_DAY;
        return true;
    case DP_WEEK:
    case DP_YEARWEEK:
        *out = d / (7 * US_PER_DAY);
        return true;
    case DP_HOUR:
        *out = d / US_PER_HOUR;
        return true;
    case DP_MINUTE:
        *out = d / US_PER_MIN;
        return true;
    case DP_SECOND:
    case DP_EPOCH:
        *out = d / US_PER_SEC;
        return true;
    case DP_MILLISECOND:
        *out = d / 1000;
        return true;
    case DP_MICROSECOND:
        *out = d;
        return true;
    default:
        return false;
    }
}

static ko_status diff_kernel(KO_FN_PARAMS, bool sub)
{
    (void)n_args;
    const part_bind *b = ctx->bind_data;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        dpart p = b ? b->part : DP_INVALID;
        ko_sql_str s = fu_str(args[0], i);
        if (p == DP_INVALID)
            p = part_parse(s.ptr, s.len);
        int64_t x = ts_of(args[1], i), y = ts_of(args[2], i), r = 0;
        bool ok = p != DP_INVALID && (sub ? sub_value(p, x, y, &r)
                                          : diff_parts(p, x, y, &r) || diff_time(p, x, y, &r));
        if (!ok)
            return part_error(ctx->err, s);
        o[i] = r;
    });
    return KO_OK;
}

static ko_status bind_diff(KO_BIND_PARAMS)
{
    ko_status st = bind_date_part(bargs, bn_args, const_args, arena, ret, bind_data, err);
    *ret = ko_sql_dtype_of(KO_SQL_DT_BIGINT);
    return st;
}

static ko_status fn_age(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_interval *o = KO_VEC_DATA(out, ko_sql_interval);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = age_of(ts_of(args[0], i), ts_of(args[1], i)); });
    return KO_OK;
}

/* ------------------------------------------------------ interval adding */

/* t + iv: months first (day clamped to the month's length), then days,
 * then microseconds.  False on overflow. */
static bool add_interval(int64_t t, const ko_sql_interval *iv, int64_t *out)
{
    civil c = civil_of_ts(t);
    int64_t days = c.days;
    if (iv->months) {
        int64_t mm = c.y * 12 + (c.m - 1) + iv->months;
        int64_t y = floor_div(mm, 12);
        unsigned m = (unsigned)(mm - y * 12 + 1);
        unsigned d = c.d;
        if ((int)d > month_days(y, m))
            d = (unsigned)month_days(y, m);
        days = ko_days_from_civil(y, m, d);
    }
    days += iv->days;
    int64_t r;
    if (__builtin_mul_overflow(days, US_PER_DAY, &r) || __builtin_add_overflow(r, c.tod, &r) ||
        __builtin_add_overflow(r, iv->micros, &r))
        return false;
    *out = r;
    return true;
}

static ko_status fn_date_add(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    const ko_vec *iv = args[1];
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        const ko_sql_interval *v = &KO_VEC_DATA(iv, const ko_sql_interval)[ko_vec_idx(iv, i)];
        if (!add_interval(ts_of(args[0], i), v, &o[i]))
            return ko_err_set(ctx->err, KO_ERR_INVALID,
                              "Overflow in date_add: timestamp out of range");
    });
    return KO_OK;
}

/* ------------------------------------------------------ constructors ... */

static bool make_days(int64_t y, int64_t m, int64_t d, int64_t *out)
{
    if (m < 1 || m > 12 || d < 1 || y < -290000 || y > 290000 || d > month_days(y, (unsigned)m))
        return false;
    *out = ko_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

static ko_status fn_make_date(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int32_t *o = KO_VEC_DATA(out, int32_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        int64_t y = fu_i64(args[0], i), m = fu_i64(args[1], i), d = fu_i64(args[2], i), days;
        if (!make_days(y, m, d, &days))
            return ko_err_set(ctx->err, KO_ERR_INVALID, "Date out of range: %lld-%lld-%lld",
                              (long long)y, (long long)m, (long long)d);
        o[i] = (int32_t)days;
    });
    return KO_OK;
}

static bool make_tod(int64_t h, int64_t mi, double s, int64_t *out)
{
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || !(s >= 0 && s < 60))
        return false;
    *out = h * US_PER_HOUR + mi * US_PER_MIN + (int64_t)llround(s * 1e6);
    return true;
}

static ko_status fn_make_timestamp(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        int64_t y = fu_i64(args[0], i), m = fu_i64(args[1], i), d = fu_i64(args[2], i), days;
        int64_t h = fu_i64(args[3], i), mi = fu_i64(args[4], i), tod;
        double s = fu_f64(args[5], i);
        if (!make_days(y, m, d, &days))
            return ko_err_set(ctx->err, KO_ERR_INVALID, "Date out of range: %lld-%lld-%lld",
                              (long long)y, (long long)m, (long long)d);
        if (!make_tod(h, mi, s, &tod))
            return ko_err_set(ctx->err, KO_ERR_INVALID, "Time out of range: %lld:%lld:%g",
                              (long long)h, (long long)mi, s);
        o[i] = days * US_PER_DAY + tod;
    });
    return KO_OK;
}

static ko_status fn_make_time(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        int64_t h = fu_i64(args[0], i), mi = fu_i64(args[1], i), tod;
        double s = fu_f64(args[2], i);
        if (!make_tod(h, mi, s, &tod))
            return ko_err_set(ctx->err, KO_ERR_INVALID, "Time out of range: %lld:%lld:%g",
                              (long long)h, (long long)mi, s);
        o[i] = tod;
    });
    return KO_OK;
}

static ko_status fn_last_day(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int32_t *o = KO_VEC_DATA(out, int32_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        civil c = civil_of_ts(ts_of(args[0], i));
        o[i] = (int32_t)ko_days_from_civil(c.y, c.m, (unsigned)month_days(c.y, c.m));
    });
    return KO_OK;
}

static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

static ko_status fn_dayname(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    bool month = strcmp(ctx->fn->name, "monthname") == 0;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = (ko_sql_str){NULL, 0, 0};
        if (!fu_live(out, i))
            continue;
        civil c = civil_of_ts(ts_of(args[0], i));
        const char *s = month ? month_names[c.m - 1] : day_names[dow_of(c.days)];
        o[i] = (ko_sql_str){s, (uint32_t)strlen(s), 0}; /* static text */
    });
    return KO_OK;
}

/* --------------------------------------------------------- epoch & now */

static ko_status fn_epoch_ms_to_ts(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        int64_t ms = fu_i64(args[0], i);
        if (__builtin_mul_overflow(ms, 1000, &o[i]) && fu_live(out, i))
            return ko_err_set(ctx->err, KO_ERR_INVALID, "epoch_ms: %lld is out of range",
                              (long long)ms);
    });
    return KO_OK;
}

static ko_status fn_ts_to_epoch_ms(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = ts_of(args[0], i) / 1000; });
    return KO_OK;
}

static ko_status fn_to_timestamp(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        double s = fu_f64(args[0], i);
        if (!fu_live(out, i))
            continue;
        double us = s * 1e6;
        if (!(us > -9.2e18 && us < 9.2e18))
            return ko_err_set(ctx->err, KO_ERR_INVALID, "to_timestamp: %g seconds is out of range",
                              s);
        o[i] = (int64_t)llround(us);
    });
    return KO_OK;
}

static ko_status fn_now(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    (void)args;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = ctx->now_us; });
    return KO_OK;
}

static ko_status fn_current_date(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    (void)args;
    int32_t *o = KO_VEC_DATA(out, int32_t);
    int32_t d = (int32_t)floor_div(ctx->now_us, US_PER_DAY);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, { o[i] = d; });
    return KO_OK;
}

/* -------------------------------------------------------------- strftime */

static ko_status put_num(ko_buf *b, int64_t v, int width, bool pad)
{
    return pad ? ko_buf_appendf(b, "%0*lld", width, (long long)v)
               : ko_buf_appendf(b, "%lld", (long long)v);
}

/* Week of the year with weeks starting on `first` (0 Sunday, 1 Monday). */
static int64_t week_of_year(const civil *c, int first)
{
    int64_t doy = doy_of(c) - 1, dow = dow_of(c->days);
    int64_t shifted = (dow - first + 7) % 7;
    return (doy + 7 - shifted) / 7;
}

static ko_status strftime_spec(ko_buf *b, char f, bool pad, const civil *c)
{
    int64_t hour = c->tod / US_PER_HOUR, iy, iw;
    int64_t h12 = hour % 12 == 0 ? 12 : hour % 12;
    switch (f) {
    case 'a':
        return ko_buf_appendf(b, "%.3s", day_names[dow_of(c->days)]);
    case 'A':
        return ko_buf_append_str(b, day_names[dow_of(c->days)]);
    case 'b':
    case 'h':
        return ko_buf_appendf(b, "%.3s", month_names[c->m - 1]);
    case 'B':
        return ko_buf_append_str(b, month_names[c->m - 1]);
    case 'd':
        return put_num(b, c->d, 2, pad);
    case 'm':
        return put_num(b, c->m, 2, pad);
    case 'y':
        return put_num(b, (c->y % 100 + 100) % 100, 2, pad);
    case 'Y':
        return put_num(b, c->y, 4, true);
    case 'H':
        return put_num(b, hour, 2, pad);
    case 'I':
        return put_num(b, h12, 2, pad);
    case 'p':
        return ko_buf_append_str(b, hour < 12 ? "AM" : "PM");
    case 'M':
        return put_num(b, c->tod / US_PER_MIN % 60, 2, pad);
    case 'S':
        return put_num(b, c->tod / US_PER_SEC % 60, 2, pad);
    case 'f':
        return put_num(b, c->tod % US_PER_SEC, 6, true);
    case 'g':
        return put_num(b, c->tod % US_PER_SEC / 1000, 3, true);
    case 'n':
        return put_num(b, c->tod % US_PER_SEC * 1000, 9, true);
    case 'j':
        return put_num(b, doy_of(c), 3, pad);
    case 'w':
        return put_num(b, dow_of(c->days), 1, false);
    case 'u':
        return put_num(b, isodow_of(c->days), 1, false);
    case 'U':
        return put_num(b, week_of_year(c, 0), 2, pad);
    case 'W':
        return put_num(b, week_of_year(c, 1), 2, pad);
    case 'V':
        iso_week(c->days, &iy, &iw);
        return put_num(b, iw, 2, pad);
    case 'G':
        iso_week(c->days, &iy, &iw);
        return put_num(b, iy, 4, true);
    case 'z':
        return ko_buf_append_str(b, "+00");
    case 'Z':
        return KO_OK;
    case '%':
        return ko_buf_append_str(b, "%");
    default:
        return KO_ERR_INVALID;
    }
}

static ko_status strftime_row(ko_buf *b, ko_sql_str fmt, const civil *c, ko_err *err)
{
    ko_status st = KO_OK;
    for (uint32_t k = 0; k < fmt.len && st == KO_OK; k++) {
        if (fmt.ptr[k] != '%') {
            st = ko_buf_append(b, fmt.ptr + k, 1);
            continue;
        }
        bool pad = true;
        if (k + 1 < fmt.len && fmt.ptr[k + 1] == '-') {
            pad = false;
            k++;
        }
        char f = k + 1 < fmt.len ? fmt.ptr[++k] : '\0';
        if (f == 'c' || f == 'x' || f == 'X') {
            static const char *const sub[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%H:%M:%S"};
            const char *s = sub[f == 'c' ? 0 : f == 'x' ? 1 : 2];
            st = strftime_row(b, (ko_sql_str){s, (uint32_t)strlen(s), 0}, c, err);
            continue;
        }
        st = strftime_spec(b, f, pad, c);
        if (st == KO_ERR_INVALID)
            return ko_err_set(err, KO_ERR_INVALID,
                              "Failed to parse format specifier %.*s: Unrecognized format for "
                              "strftime/strptime: %%%c",
                              (int)fmt.len, fmt.ptr, f ? f : ' ');
    }
    return st;
}

static ko_status fn_strftime(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    ko_sql_str *o = KO_VEC_DATA(out, ko_sql_str);
    ko_buf b = {0};
    ko_status st = KO_OK;
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        o[i] = (ko_sql_str){NULL, 0, 0};
        if (!fu_live(out, i))
            continue;
        civil c = civil_of_ts(ts_of(args[0], i));
        ko_buf_reset(&b);
        st = strftime_row(&b, fu_str(args[1], i), &c, ctx->err);
        if (st == KO_OK && ko_vec_set_str(out, i, (const char *)b.data, b.len) != KO_OK)
            st = fu_nomem(ctx, "strftime");
        if (st != KO_OK)
            break;
    });
    ko_buf_free(&b);
    return st;
}

/* -------------------------------------------------------------- strptime */

typedef struct tparse {
    const char *s;
    size_t n, i;
    int64_t y, m, d, h, mi, sec, us;
    bool pm, has_pm;
} tparse;

static bool tp_num(tparse *t, int maxd, int64_t *out)
{
    int64_t v = 0;
    int k = 0;
    bool neg = false;
    if (t->i < t->n && (t->s[t->i] == '-' || t->s[t->i] == '+') && maxd > 4) {
        neg = t->s[t->i] == '-';
        t->i++;
    }
    while (k < maxd && t->i < t->n && t->s[t->i] >= '0' && t->s[t->i] <= '9') {
        v = v * 10 + (t->s[t->i++] - '0');
        k++;
    }
    *out = neg ? -v : v;
    return k > 0;
}

static bool tp_name(tparse *t, const char *const *names, size_t count, int64_t *out)
{
    for (size_t k = 0; k < count; k++) {
        size_t full = strlen(names[k]);
        if (t->n - t->i >= full && strncasecmp(t->s + t->i, names[k], full) == 0) {
            t->i += full;
            *out = (int64_t)k;
            return true;
        }
        if (t->n - t->i >= 3 && strncasecmp(t->s + t->i, names[k], 3) == 0) {
            t->i += 3;
            *out = (int64_t)k;
            return true;
        }
    }
    return false;
}

static bool tp_fraction(tparse *t, int digits)
{
    int64_t v = 0;
    int k = 0;
    while (t->i < t->n && t->s[t->i] >= '0' && t->s[t->i] <= '9' && k < 9) {
        v = v * 10 + (t->s[t->i++] - '0');
        k++;
    }
    if (k == 0 || k > digits)
        return false;
    for (; k < 6; k++)
        v *= 10;
    for (; k > 6; k--)
        v /= 10;
    t->us = v;
    return true;
}

static bool tp_spec(tparse *t, char f)
{
    int64_t x;
    switch (f) {
    case 'Y':
        return tp_num(t, 9, &t->y);
    case 'y':
        if (!tp_num(t, 2, &x))
            return false;
        t->y = x < 69 ? 2000 + x : 1900 + x;
        return true;
    case 'm':
        return tp_num(t, 2, &t->m);
    case 'd':
    case 'e':
        return tp_num(t, 2, &t->d);
    case 'H':
    case 'I':
        return tp_num(t, 2, &t->h);
    case 'M':
        return tp_num(t, 2, &t->mi);
    case 'S':
        return tp_num(t, 2, &t->sec);
    case 'f':
        return tp_fraction(t, 6);
    case 'g':
        return tp_fraction(t, 3);
    case 'n':
        return tp_fraction(t, 9);
    case 'j':
        return tp_num(t, 3, &x) && (t->d = x, t->m = -1, true);
    case 'b':
    case 'B':
    case 'h':
        if (!tp_name(t, month_names, 12, &x))
            return false;
        t->m = x + 1;
        return true;
    case 'a':
    case 'A':
        return tp_name(t, day_names, 7, &x);
    case 'p':
        if (t->n - t->i < 2)
            return false;
        t->has_pm = true;
        t->pm = strncasecmp(t->s + t->i, "PM", 2) == 0;
        if (!t->pm && strncasecmp(t->s + t->i, "AM", 2) != 0)
            return false;
        t->i += 2;
        return true;
    case 'z':
    case 'Z':
        while (t->i < t->n && t->s[t->i] != ' ')
            t->i++;
        return true;
    case '%':
        return t->i < t->n && t->s[t->i++] == '%';
    default:
        return false;
    }
}

static bool tp_run(tparse *t, ko_sql_str fmt)
{
    for (uint32_t k = 0; k < fmt.len; k++) {
        char c = fmt.ptr[k];
        if (c == ' ') {
            while (t->i < t->n && t->s[t->i] == ' ')
                t->i++;
            continue;
        }
        if (c != '%') {
            if (t->i >= t->n || t->s[t->i] != c)
                return false;
            t->i++;
            continue;
        }
        if (k + 1 < fmt.len && fmt.ptr[k + 1] == '-')
            k++;
        if (k + 1 >= fmt.len || !tp_spec(t, fmt.ptr[++k]))
            return false;
    }
    return t->i == t->n;
}

static bool strptime_row(ko_sql_str s, ko_sql_str fmt, int64_t *out)
{
    tparse t = {s.ptr, s.len, 0, 1900, 1, 1, 0, 0, 0, 0, false, false};
    if (!tp_run(&t, fmt))
        return false;
    if (t.has_pm) {
        if (t.h < 1 || t.h > 12)
            return false;
        t.h = t.h % 12 + (t.pm ? 12 : 0);
    }
    int64_t days;
    if (t.m == -1) {
        if (t.d < 1 || t.d > (is_leap(t.y) ? 366 : 365))
            return false;
        days = ko_days_from_civil(t.y, 1, 1) + t.d - 1;
    } else if (!make_days(t.y, t.m, t.d, &days)) {
        return false;
    }
    if (t.h > 23 || t.mi > 59 || t.sec > 59)
        return false;
    *out = days * US_PER_DAY + t.h * US_PER_HOUR + t.mi * US_PER_MIN + t.sec * US_PER_SEC + t.us;
    return true;
}

static ko_status fn_strptime(KO_FN_PARAMS)
{
    KO_FN_UNUSED;
    int64_t *o = KO_VEC_DATA(out, int64_t);
    KO_SQL_LOOP(i, sel, n_sel, n_rows, {
        if (!fu_live(out, i))
            continue;
        ko_sql_str s = fu_str(args[0], i), f = fu_str(args[1], i);
        if (!strptime_row(s, f, &o[i]))
            return ko_err_set(ctx->err, KO_ERR_INVALID,
                              "Could not parse string \"%.*s\" according to format specifier "
                              "\"%.*s\"",
                              (int)(s.len > 100 ? 100 : s.len), s.ptr ? s.ptr : "",
                              (int)(f.len > 100 ? 100 : f.len), f.ptr ? f.ptr : "");
    });
    return KO_OK;
}

/* -------------------------------------------------------------- registry */

#define T(x) KO_SQL_DT_##x
#define PART1(name, a, r)                                      \
    {                                                          \
        name, {T(a)}, 1, T(NULL), T(r), 0, NULL, fn_named_part \
    }
#define PARTS(name) \
    PART1(name, DATE, BIGINT), PART1(name, TIMESTAMP, BIGINT), PART1(name, TIMESTAMPTZ, BIGINT)
#define TIMEPARTS(name) PARTS(name), PART1(name, TIME, BIGINT), PART1(name, INTERVAL, BIGINT)
#define ON_DTS(name, fn, r)                                    \
    {name, {T(DATE)}, 1, T(NULL), T(r), 0, NULL, fn},          \
        {name, {T(TIMESTAMP)}, 1, T(NULL), T(r), 0, NULL, fn}, \
    {                                                          \
        name, {T(TIMESTAMPTZ)}, 1, T(NULL), T(r), 0, NULL, fn  \
    }
#define PART_FN(name, a, bind, fn)                                   \
    {                                                                \
        name, {T(VARCHAR), T(a)}, 2, T(NULL), T(BIGINT), 0, bind, fn \
    }
#define DIFF_FN(name, a, fn)                                                    \
    {                                                                           \
        name, {T(VARCHAR), T(a), T(a)}, 3, T(NULL), T(BIGINT), 0, bind_diff, fn \
    }

static const ko_sql_func datetime_funcs[] = {
    PART_FN("date_part", DATE, bind_date_part, fn_date_part),
    PART_FN("date_part", TIMESTAMP, bind_date_part, fn_date_part),
    PART_FN("date_part", TIMESTAMPTZ, bind_date_part, fn_date_part),
    PART_FN("date_part", TIME, bind_date_part, fn_date_part),
    PART_FN("date_part", INTERVAL, bind_date_part, fn_date_part),
    PART_FN("datepart", DATE, bind_date_part, fn_date_part),
    PART_FN("datepart", TIMESTAMP, bind_date_part, fn_date_part),
    PART_FN("extract", DATE, bind_date_part, fn_date_part),
    PART_FN("extract", TIMESTAMP, bind_date_part, fn_date_part),
    PART_FN("extract", TIMESTAMPTZ, bind_date_part, fn_date_part),
    PART_FN("extract", TIME, bind_date_part, fn_date_part),
    PART_FN("extract", INTERVAL, bind_date_part, fn_date_part),
    PARTS("year"),
    PARTS("quarter"),
    PARTS("month"),
    PARTS("day"),
    PARTS("decade"),
    PARTS("century"),
    PARTS("millennium"),
    PARTS("dayofweek"),
    PARTS("isodow"),
    PARTS("dayofyear"),
    PARTS("dayofmonth"),
    PARTS("week"),
    PARTS("weekofyear"),
    PARTS("isoyear"),
    PARTS("yearweek"),
    PARTS("era"),
    TIMEPARTS("hour"),
    TIMEPARTS("minute"),
    TIMEPARTS("second"),
    TIMEPARTS("millisecond"),
    TIMEPARTS("microsecond"),
    PART1("epoch", DATE, DOUBLE),
    PART1("epoch", TIMESTAMP, DOUBLE),
    PART1("epoch", TIMESTAMPTZ, DOUBLE),
    PART1("epoch", TIME, DOUBLE),
    PART1("epoch", INTERVAL, DOUBLE),
    PART_FN("date_trunc", DATE, bind_date_trunc, fn_date_trunc),
    PART_FN("date_trunc", TIMESTAMP, bind_date_trunc, fn_date_trunc),
    PART_FN("date_trunc", TIMESTAMPTZ, bind_date_trunc, fn_date_trunc),
    PART_FN("datetrunc", DATE, bind_date_trunc, fn_date_trunc),
    PART_FN("datetrunc", TIMESTAMP, bind_date_trunc, fn_date_trunc),
    DIFF_FN("date_diff", DATE, fn_date_diff),
    DIFF_FN("date_diff", TIMESTAMP, fn_date_diff),
    DIFF_FN("date_diff", TIMESTAMPTZ, fn_date_diff),
    DIFF_FN("datediff", DATE, fn_date_diff),
    DIFF_FN("datediff", TIMESTAMP, fn_date_diff),
    DIFF_FN("datediff", TIMESTAMPTZ, fn_date_diff),
    DIFF_FN("date_sub", DATE, fn_date_sub),
    DIFF_FN("date_sub", TIMESTAMP, fn_date_sub),
    DIFF_FN("date_sub", TIMESTAMPTZ, fn_date_sub),
    DIFF_FN("datesub", DATE, fn_date_sub),
    DIFF_FN("datesub", TIMESTAMP, fn_date_sub),
    {"age", {T(TIMESTAMP), T(TIMESTAMP)}, 2, T(NULL), T(INTERVAL), 0, NULL, fn_age},
    {"age", {T(TIMESTAMPTZ), T(TIMESTAMPTZ)}, 2, T(NULL), T(INTERVAL), 0, NULL, fn_age},
    {"date_add", {T(DATE), T(INTERVAL)}, 2, T(NULL), T(TIMESTAMP), 0, NULL, fn_date_add},
    {"date_add", {T(TIMESTAMP), T(INTERVAL)}, 2, T(NULL), T(TIMESTAMP), 0, NULL, fn_date_add},
    {"date_add", {T(TIMESTAMPTZ), T(INTERVAL)}, 2, T(NULL), T(TIMESTAMPTZ), 0, NULL, fn_date_add},
    {"make_date", {T(BIGINT), T(BIGINT), T(BIGINT)}, 3, T(NULL), T(DATE), 0, NULL, fn_make_date},
    {"make_timestamp",
     {T(BIGINT), T(BIGINT), T(BIGINT), T(BIGINT), T(BIGINT), T(DOUBLE)},
     6,
     T(NULL),
     T(TIMESTAMP),
     0,
     NULL,
     fn_make_timestamp},
    {"make_time", {T(BIGINT), T(BIGINT), T(DOUBLE)}, 3, T(NULL), T(TIME), 0, NULL, fn_make_time},
    ON_DTS("last_day", fn_last_day, DATE),
    ON_DTS("dayname", fn_dayname, VARCHAR),
    ON_DTS("monthname", fn_dayname, VARCHAR),
    {"strftime", {T(DATE), T(VARCHAR)}, 2, T(NULL), T(VARCHAR), 0, NULL, fn_strftime},
    {"strftime", {T(TIMESTAMP), T(VARCHAR)}, 2, T(NULL), T(VARCHAR), 0, NULL, fn_strftime},
    {"strftime", {T(TIMESTAMPTZ), T(VARCHAR)}, 2, T(NULL), T(VARCHAR), 0, NULL, fn_strftime},
    {"strptime", {T(VARCHAR), T(VARCHAR)}, 2, T(NULL), T(TIMESTAMP), 0, NULL, fn_strptime},
    {"epoch_ms", {T(BIGINT)}, 1, T(NULL), T(TIMESTAMP), 0, NULL, fn_epoch_ms_to_ts},
    {"epoch_ms", {T(TIMESTAMP)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_ts_to_epoch_ms},
    {"epoch_ms", {T(TIMESTAMPTZ)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_ts_to_epoch_ms},
    {"epoch_ms", {T(DATE)}, 1, T(NULL), T(BIGINT), 0, NULL, fn_ts_to_epoch_ms},
    {"to_timestamp", {T(DOUBLE)}, 1, T(NULL), T(TIMESTAMPTZ), 0, NULL, fn_to_timestamp},
    {"now", {T(NULL)}, 0, T(NULL), T(TIMESTAMPTZ), 0, NULL, fn_now},
    {"current_timestamp", {T(NULL)}, 0, T(NULL), T(TIMESTAMPTZ), 0, NULL, fn_now},
    {"get_current_timestamp", {T(NULL)}, 0, T(NULL), T(TIMESTAMPTZ), 0, NULL, fn_now},
    {"transaction_timestamp", {T(NULL)}, 0, T(NULL), T(TIMESTAMPTZ), 0, NULL, fn_now},
    {"current_date", {T(NULL)}, 0, T(NULL), T(DATE), 0, NULL, fn_current_date},
    {"today", {T(NULL)}, 0, T(NULL), T(DATE), 0, NULL, fn_current_date},
};
#undef T

const ko_sql_func_lib ko_sql_lib_datetime = {datetime_funcs, KO_ARRAY_LEN(datetime_funcs)};
