/* identity.c — the person's ID as the record gives it: a resident ID of
 * GB 11643-1999 (18 characters, a real birth date, the ISO 7064 MOD 11-2
 * check character) or a passport number. Errors name the field "id". */
#include <string.h>

#include "internal.h"
#include "clock_impl.h"
#include "record_impl.h"

#define FAIL(d, field, ...) hc_diag_set((d), HC_E_RECORD, (field), __VA_ARGS__)

/* Reads n decimal digits; false if any is not a digit. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

hc_err hc_resident_id_check(const char *id, hc_diag *diag)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    if (!id)
        return hc_diag_set(diag, HC_E_ARG, "id", "id: no ID given");
    size_t n = strlen(id);
    if (n != 18)
        return FAIL(diag, "id", "id: a resident ID has 18 characters, this one has %zu", n);
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (id[i] < '0' || id[i] > '9')
            return FAIL(diag, "id", "id: character %d is not a digit (the first 17 must be digits)",
                        i + 1);
        sum += (id[i] - '0') * weight[i];
    }
    char last = id[17] == 'x' ? 'X' : id[17];
    if (!(last == 'X' || (last >= '0' && last <= '9')))
        return FAIL(diag, "id", "id: the check character must be a digit or X");
    int y = 0, m = 0, d = 0;
    (void)digits(id + 6, 4, &y);
    (void)digits(id + 10, 2, &m);
    (void)digits(id + 12, 2, &d);
    if (y < 1900 || y > 2099 || !hc_clock_real_date(y, (unsigned)m, (unsigned)d))
        return FAIL(diag, "id", "id: birth date %.8s is not a real date between 1900 and 2099",
                    id + 6);
    char want = check[sum % 11];
    if (last != want)
        return FAIL(diag, "id", "id: check digit is %c, expected %c", last, want);
    return HC_OK;
}

hc_err hc_passport_check(char *id, hc_diag *diag)
{
    size_t n = strlen(id);
    if (n < 5 || n > 20)
        return FAIL(diag, "id", "id: a passport number has 5 to 20 characters, this one has %zu", n);
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return FAIL(diag, "id", "id: character %zu of the passport number is not A-Z or 0-9",
                        i + 1);
        id[i] = c;
    }
    return HC_OK;
}
