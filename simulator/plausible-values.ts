import { normalizeFactKey } from './prompt-facts';

/**
 * Plausible values for a JSON field, chosen by its name, so a simulated structured answer reads
 * like a real one (`"email": "jordan.lee@example.com"`, not `"email": "string"`).
 */

interface StringCategory {
  /** Tested against the normalised field name. */
  keys: RegExp;
  values: readonly string[];
}

const STRING_CATEGORIES: readonly StringCategory[] = [
  { keys: /email/, values: ['jordan.lee@example.com', 'sam.rivera@example.org', 'alex.chen@example.net'] },
  { keys: /phone|mobile|tel/, values: ['+1 555 0142', '+44 20 7946 0958', '+1 555 0199'] },
  {
    keys: /url|website|link|href/,
    values: ['https://example.com/report', 'https://example.org/docs', 'https://example.net/status'],
  },
  { keys: /date|dob|birthday|deadline|due/, values: ['2024-03-15', '2024-07-02', '2023-11-28'] },
  { keys: /time/, values: ['09:30', '14:45', '17:10'] },
  { keys: /currency/, values: ['EUR', 'USD', 'GBP'] },
  { keys: /country/, values: ['Portugal', 'Canada', 'Japan'] },
  { keys: /city|town/, values: ['Lisbon', 'Toronto', 'Osaka'] },
  {
    keys: /address|street/,
    values: ['221 Harbour Street, Lisbon', '48 King Street West, Toronto', '3-1 Umeda, Osaka'],
  },
  { keys: /zip|postal|postcode/, values: ['1100-148', 'M5H 1A1', '530-0001'] },
  {
    keys: /company|organi[sz]ation|vendor|supplier|merchant|employer|customer|client|business/,
    values: ['Acme Analytics Ltd', 'Northwind Traders', 'Blue Harbor Logistics'],
  },
  { keys: /firstname|givenname/, values: ['Jordan', 'Sam', 'Alex'] },
  { keys: /lastname|surname|familyname/, values: ['Lee', 'Rivera', 'Chen'] },
  { keys: /name|author|person|contact|owner|assignee/, values: ['Jordan Lee', 'Sam Rivera', 'Alex Chen'] },
  {
    keys: /(^|[^a-z])id$|number|^no$|code|reference|ref$|sku|invoice|order/,
    values: ['INV-2024-0042', 'ORD-7781', 'REF-10293'],
  },
  { keys: /status|state/, values: ['active', 'pending', 'closed'] },
  { keys: /sentiment/, values: ['positive', 'neutral', 'negative'] },
  { keys: /priority|severity/, values: ['high', 'medium', 'low'] },
  { keys: /lang/, values: ['en', 'pt', 'ja'] },
  { keys: /category|type|kind|class|label|tag|topic/, values: ['billing', 'support', 'operations'] },
  {
    keys: /title|subject|heading|headline/,
    values: ['Quarterly revenue review', 'Onboarding checklist update', 'Service incident follow-up'],
  },
  { keys: /product|item/, values: ['Wireless keyboard', 'USB-C hub', 'Laptop stand'] },
  { keys: /unit/, values: ['kg', 'pcs', 'hours'] },
  {
    keys: /summary|description|text|content|body|answer|explanation|reason|comment|note|message|detail|result|response|rationale/,
    values: [
      'The request covers three points; the key figures are consistent and no follow-up is needed.',
      'A short answer: the main factor is timing, and the remaining items can wait for the next review.',
      'In brief, the proposal is sound, with one open question about the delivery schedule.',
    ],
  },
];

const GENERIC_STRINGS = ['Option A', 'Option B', 'Option C'];

interface NumberCategory {
  keys: RegExp;
  value: number;
}

const NUMBER_CATEGORIES: readonly NumberCategory[] = [
  { keys: /age/, value: 34 },
  { keys: /year/, value: 2024 },
  { keys: /month/, value: 3 },
  { keys: /day/, value: 15 },
  { keys: /hour/, value: 9 },
  { keys: /tax|vat/, value: 10.28 },
  { keys: /price|amount|total|cost|subtotal|balance|fee|salary|revenue|budget/, value: 128.5 },
  { keys: /percent|pct|rate|ratio/, value: 12.5 },
  { keys: /score|confidence|probability|likelihood/, value: 0.87 },
  { keys: /rating|stars/, value: 4 },
  { keys: /quantity|qty|count|number|items|units|total/, value: 3 },
  { keys: /id$/, value: 1042 },
];

function categoryOf(key: string): StringCategory | undefined {
  const normalized = normalizeFactKey(key);
  return STRING_CATEGORIES.find((category) => category.keys.test(normalized));
}

/** A plausible string for a field named `key`; `index` picks among several, for array items. */
export function plausibleString(key: string, index: number): string {
  const values = categoryOf(key)?.values ?? GENERIC_STRINGS;
  const value = values[index % values.length]!;
  return index < values.length ? value : `${value} ${Math.floor(index / values.length) + 1}`;
}

/** A plausible number for a field named `key`, before any schema bounds are applied. */
export function plausibleNumber(key: string): number {
  const normalized = normalizeFactKey(key);
  return NUMBER_CATEGORIES.find((category) => category.keys.test(normalized))?.value ?? 42;
}

/** A value for a JSON Schema string `format`, or `undefined` for formats it does not know. */
export function formatSample(format: string, index: number): string | undefined {
  const samples: Readonly<Record<string, readonly string[]>> = {
    date: ['2024-03-15', '2024-07-02'],
    'date-time': ['2024-03-15T09:30:00Z', '2024-07-02T14:45:00Z'],
    time: ['09:30:00Z', '14:45:00Z'],
    email: ['jordan.lee@example.com', 'sam.rivera@example.org'],
    'idn-email': ['jordan.lee@example.com', 'sam.rivera@example.org'],
    uri: ['https://example.com/report', 'https://example.org/docs'],
    'uri-reference': ['/reports/2024/q1', '/docs/setup'],
    url: ['https://example.com/report', 'https://example.org/docs'],
    hostname: ['api.example.com', 'docs.example.org'],
    ipv4: ['192.0.2.10', '198.51.100.7'],
    ipv6: ['2001:db8::1', '2001:db8::2'],
    uuid: ['3f8e2b1a-6c4d-4e8f-9a1b-2c3d4e5f6a7b', '9b2c4d6e-8f0a-4b1c-8d2e-3f4a5b6c7d8e'],
    duration: ['P3D', 'PT4H'],
  };
  const values = samples[format];
  return values?.[index % values.length];
}

/** A plausible string for `key` that differs from `value`: a wrong answer that looks like a right one. */
export function alternativeString(key: string, value: string): string {
  const isoDate = /^(\d{4}-\d{2}-)(\d{2})(.*)$/.exec(value);
  if (isoDate) {
    // A date moves by a day, toward the middle of the month, so it stays a real date.
    const day = Number(isoDate[2]);
    return `${isoDate[1]}${String(day <= 27 ? day + 1 : day - 1).padStart(2, '0')}${isoDate[3]}`;
  }
  const digits = /\d(?=\D*$)/.exec(value);
  if (digits) {
    // Change the last digit: INV-0042 becomes INV-0043.
    const at = digits.index;
    return value.slice(0, at) + String((Number(digits[0]) + 1) % 10) + value.slice(at + 1);
  }
  const values = categoryOf(key)?.values ?? GENERIC_STRINGS;
  return values.find((candidate) => candidate.toLowerCase() !== value.toLowerCase()) ?? `${value} (unverified)`;
}
