import type { Payment } from '../../../sdk/index.ts';

/** The currencies the payment plan form offers (ISO 4217). */
export const CURRENCIES = ['GBP', 'EUR', 'USD', 'CAD', 'AUD', 'NZD', 'CHF', 'SEK', 'NOK', 'DKK', 'JPY'] as const;
export type OfferedCurrency = (typeof CURRENCIES)[number];

/** IANA zones of places whose currency the form offers (the euro area's zones, with its islands). */
export const ZONE_CURRENCY: Readonly<Record<string, OfferedCurrency>> = Object.assign(Object.create(null) as Record<string, OfferedCurrency>, {
  'Europe/London': 'GBP', 'Europe/Belfast': 'GBP', 'Europe/Guernsey': 'GBP', 'Europe/Jersey': 'GBP', 'Europe/Isle_of_Man': 'GBP', 'Europe/Gibraltar': 'GBP',
  ...Object.fromEntries([
    'Amsterdam', 'Andorra', 'Athens', 'Berlin', 'Bratislava', 'Brussels', 'Dublin', 'Helsinki', 'Lisbon', 'Ljubljana', 'Luxembourg', 'Madrid',
    'Malta', 'Mariehamn', 'Monaco', 'Paris', 'Riga', 'Rome', 'San_Marino', 'Tallinn', 'Vatican', 'Vienna', 'Vilnius', 'Zagreb', 'Nicosia',
  ].map((city) => [`Europe/${city}`, 'EUR'])),
  'Atlantic/Madeira': 'EUR', 'Atlantic/Azores': 'EUR', 'Atlantic/Canary': 'EUR', 'Asia/Nicosia': 'EUR', 'Asia/Famagusta': 'EUR',
  'Europe/Zurich': 'CHF', 'Europe/Busingen': 'CHF', 'Europe/Vaduz': 'CHF', 'Europe/Stockholm': 'SEK', 'Europe/Oslo': 'NOK', 'Arctic/Longyearbyen': 'NOK',
  'Europe/Copenhagen': 'DKK', 'Atlantic/Faroe': 'DKK', 'Asia/Tokyo': 'JPY', 'Pacific/Auckland': 'NZD', 'Pacific/Chatham': 'NZD',
  ...Object.fromEntries([
    'Toronto', 'Vancouver', 'Edmonton', 'Winnipeg', 'Halifax', 'St_Johns', 'Regina', 'Montreal', 'Moncton', 'Glace_Bay', 'Goose_Bay', 'Whitehorse',
    'Dawson', 'Dawson_Creek', 'Fort_Nelson', 'Creston', 'Yellowknife', 'Inuvik', 'Iqaluit', 'Rankin_Inlet', 'Resolute', 'Cambridge_Bay', 'Swift_Current',
    'Atikokan', 'Nipigon', 'Thunder_Bay', 'Rainy_River', 'Pangnirtung', 'Blanc-Sablon',
  ].map((city) => [`America/${city}`, 'CAD'])),
  ...Object.fromEntries([
    'New_York', 'Chicago', 'Denver', 'Los_Angeles', 'Phoenix', 'Anchorage', 'Juneau', 'Sitka', 'Metlakatla', 'Yakutat', 'Nome', 'Adak', 'Boise',
    'Detroit', 'Menominee', 'Indiana/Indianapolis', 'Indiana/Knox', 'Indiana/Marengo', 'Indiana/Petersburg', 'Indiana/Tell_City', 'Indiana/Vevay',
    'Indiana/Vincennes', 'Indiana/Winamac', 'Kentucky/Louisville', 'Kentucky/Monticello', 'North_Dakota/Beulah', 'North_Dakota/Center',
    'North_Dakota/New_Salem', 'Puerto_Rico',
  ].map((city) => [`America/${city}`, 'USD'])),
  'Pacific/Honolulu': 'USD', 'Pacific/Guam': 'USD',
  ...Object.fromEntries(['Sydney', 'Melbourne', 'Brisbane', 'Perth', 'Adelaide', 'Hobart', 'Darwin', 'Lord_Howe', 'Broken_Hill', 'Lindeman', 'Eucla', 'Currie']
    .map((city) => [`Australia/${city}`, 'AUD'])),
});

/**
 * The currency a new payment plan starts in: the one most of the wedding's payments (not cancelled)
 * are in (a tie: the place's currency if it is one of them, else the first in CURRENCIES order); without payments, the currency of the wedding's time zone (an IANA
 * zone, e.g. `Europe/Lisbon` → EUR) when the form offers it; otherwise GBP. Only a starting choice:
 * the planner picks any offered currency.
 */
export function defaultCurrency(payments: readonly Pick<Payment, 'currency' | 'status'>[], timeZone: string | null): OfferedCurrency {
  const place = timeZone ? ZONE_CURRENCY[timeZone] : undefined;
  const counts = new Map<string, number>();
  for (const p of payments) if (p.status !== 'cancelled') counts.set(p.currency, (counts.get(p.currency) ?? 0) + 1);
  // Most used; a tie goes to the place's currency, then to the first offered.
  let best: OfferedCurrency | undefined;
  for (const c of place ? [place, ...CURRENCIES] : CURRENCIES) if ((counts.get(c) ?? 0) > (best ? counts.get(best)! : 0)) best = c;
  return best ?? place ?? 'GBP';
}
