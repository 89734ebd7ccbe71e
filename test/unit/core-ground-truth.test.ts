import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findJsonContradictions, findTextContradictions, valuesEqual } from '../../core/ground-truth';

describe('valuesEqual: numbers', () => {
  const equal: [number | string, unknown][] = [
    [1280, 1280],
    [1280, '1280'],
    [1280, '1280.00'],
    [1280, '$1,280.00'],
    [1280, '$ 1,280'],
    [1280, '€1,280'],
    [1280, '£1,280.00'],
    [1280, '1,280 USD'],
    [1280, '1,280.00 EUR'],
    [1280, '1280 gbp'],
    [1000000, '1,000,000'],
    ['1,280.00', 1280],
    [-3.5, '-3.5'],
    [50, '50%'],
    [0.3, 0.1 + 0.2],
  ];
  for (const [expected, actual] of equal) {
    it(`${JSON.stringify(expected)} equals ${JSON.stringify(actual)}`, () =>
      assert.equal(valuesEqual(expected, actual), true));
  }

  const unequal: [number | string, unknown][] = [
    [1280, 1208],
    [1280, '1,208.00'],
    [1280, 1280.01],
    [12, '12 kg'],
    [1280, '1.280,00'],
    [0, null],
    [1, true],
    [1280, 'about 1280'],
  ];
  for (const [expected, actual] of unequal) {
    it(`${JSON.stringify(expected)} differs from ${JSON.stringify(actual)}`, () =>
      assert.equal(valuesEqual(expected, actual), false));
  }
});

describe('valuesEqual: booleans', () => {
  it('matches true and false by meaning', () => {
    for (const actual of [true, 'true', 'True', 'yes', 'YES', 'y', ' Yes '])
      assert.equal(valuesEqual(true, actual), true, String(actual));
    for (const actual of [false, 'false', 'no', 'N']) assert.equal(valuesEqual(false, actual), true, String(actual));
  });

  it('finds the opposite, or a non-boolean, unequal', () => {
    for (const actual of [false, 'false', 'no', 'n', 'maybe', 1, 0, null])
      assert.equal(valuesEqual(true, actual), false, String(actual));
    assert.equal(valuesEqual(false, 'yes'), false);
  });
});

describe('valuesEqual: null', () => {
  it('accepts null and the usual spellings of nothing', () => {
    for (const actual of [null, 'null', 'None', 'N/A', 'n/a', '', '  '])
      assert.equal(valuesEqual(null, actual), true, JSON.stringify(actual));
  });

  it('rejects a value where the truth is null, and null where the truth is a value', () => {
    for (const actual of [0, false, 'unknown', 'nobody'])
      assert.equal(valuesEqual(null, actual), false, JSON.stringify(actual));
    assert.equal(valuesEqual('Acme', null), false);
    assert.equal(valuesEqual(0, null), false);
    assert.equal(valuesEqual(false, null), false);
  });
});

describe('valuesEqual: dates', () => {
  const sameDay = [
    '2024-03-05',
    'March 5, 2024',
    'march 5 2024',
    'Mar 5, 2024',
    'Mar. 5th, 2024',
    '5 March 2024',
    '5th March, 2024',
    '05 Mar 2024',
    '2024-03-05T10:30:00Z',
    '2024-03-05 10:30',
  ];
  for (const actual of sameDay) {
    it(`2024-03-05 equals ${JSON.stringify(actual)}`, () => {
      assert.equal(valuesEqual('2024-03-05', actual), true);
    });
  }

  it('matches two non-ISO spellings of the same day', () => {
    assert.equal(valuesEqual('March 5, 2024', '5 Mar 2024'), true);
    assert.equal(valuesEqual('September 21, 2023', '2023-09-21'), true);
  });

  it('tells different days apart', () => {
    assert.equal(valuesEqual('2024-03-05', 'March 6, 2024'), false);
    assert.equal(valuesEqual('2024-03-05', '5 April 2024'), false);
    assert.equal(valuesEqual('2024-03-05', 'March 5, 2025'), false);
    assert.equal(valuesEqual('2024-03-05', 'next Tuesday'), false);
  });
});

describe('valuesEqual: text', () => {
  it('ignores case, surrounding and repeated whitespace and a trailing period', () => {
    assert.equal(valuesEqual('Acme Corp', 'acme corp.'), true);
    assert.equal(valuesEqual('Acme Corp', '  ACME   Corp '), true);
    assert.equal(valuesEqual('A-1043', 'a-1043'), true);
  });

  it('keeps different text different', () => {
    assert.equal(valuesEqual('Acme Corp', 'Acme Corporation'), false);
    assert.equal(valuesEqual('Acme', 'Acme Inc'), false);
    assert.equal(valuesEqual('A-1043', 'A-1034'), false);
  });
});

describe('findJsonContradictions', () => {
  it('finds a nested field that names a key and holds another value', () => {
    assert.deepEqual(findJsonContradictions({ invoice: { number: 'A-1043', total: 1200 } }, { total: 1280 }), [
      { key: 'total', path: 'invoice.total', expected: 1280, actual: 1200 },
    ]);
  });

  it('finds nothing when every named field agrees after normalisation', () => {
    const answer = { invoice: { total: '$1,280.00', paid: 'yes', due: 'May 15, 2024', note: null } };
    assert.deepEqual(findJsonContradictions(answer, { total: 1280, paid: true, due: '2024-05-15', note: null }), []);
  });

  it('treats silence as no contradiction', () => {
    assert.deepEqual(findJsonContradictions({ customer: 'Acme' }, { total: 1280, due_date: '2024-05-15' }), []);
    assert.deepEqual(findJsonContradictions({}, { total: 1280 }), []);
    assert.deepEqual(findJsonContradictions([], { total: 1280 }), []);
  });

  it('does not read a bare primitive answer as a field', () => {
    assert.deepEqual(findJsonContradictions(42, { total: 1280 }), []);
    assert.deepEqual(findJsonContradictions('1200', { total: 1280 }), []);
  });

  it('matches keys ignoring case, underscores, dashes and spaces', () => {
    const answer = {
      dueDate: '2024-05-16',
      'Due-Date': '2024-05-17',
      'due date': '2024-05-15',
      DUE_DATE: '2024-05-18',
    };
    assert.deepEqual(
      findJsonContradictions(answer, { due_date: '2024-05-15' }).map((c) => c.path),
      ['dueDate', 'Due-Date', 'DUE_DATE'],
    );
  });

  it('matches a dotted key only under its parent', () => {
    const answer = { invoice: { total: 1280 }, shipping: { total: 15 } };
    assert.deepEqual(findJsonContradictions(answer, { 'invoice.total': 1280 }), []);
    assert.deepEqual(findJsonContradictions(answer, { 'shipping.total': 12 }), [
      { key: 'shipping.total', path: 'shipping.total', expected: 12, actual: 15 },
    ]);
    // An undotted key matches the field wherever it is.
    assert.deepEqual(findJsonContradictions(answer, { total: 1280 }), [
      { key: 'total', path: 'shipping.total', expected: 1280, actual: 15 },
    ]);
  });

  it('matches a dotted key at any depth and ignores array indices', () => {
    const answer = { data: { customer: { address: { city: 'Cork' } } }, items: [{ sku: 'A1' }, { sku: 'B2' }] };
    assert.deepEqual(findJsonContradictions(answer, { 'customer.address.city': 'Dublin' }), [
      { key: 'customer.address.city', path: 'data.customer.address.city', expected: 'Dublin', actual: 'Cork' },
    ]);
    assert.deepEqual(findJsonContradictions(answer, { 'address.city': 'cork' }), []);
    assert.deepEqual(findJsonContradictions(answer, { sku: 'A1' }), [
      { key: 'sku', path: 'items[1].sku', expected: 'A1', actual: 'B2' },
    ]);
  });

  it('does not match a key that is only the start of a path', () => {
    assert.deepEqual(findJsonContradictions({ total: { amount: 1200 } }, { total: 1280 }), []);
  });

  it('reports every contradiction of every fact', () => {
    const contradictions = findJsonContradictions(
      { total: 1, paid: 'no', city: 'Cork' },
      { total: 2, paid: true, city: 'Cork' },
    );
    assert.deepEqual(contradictions, [
      { key: 'total', path: 'total', expected: 2, actual: 1 },
      { key: 'paid', path: 'paid', expected: true, actual: 'no' },
    ]);
  });

  it('flags a value where the truth is null', () => {
    assert.deepEqual(findJsonContradictions({ discount: 5 }, { discount: null }), [
      { key: 'discount', path: 'discount', expected: null, actual: 5 },
    ]);
    assert.deepEqual(findJsonContradictions({ discount: 'n/a' }, { discount: null }), []);
  });
});

describe('findTextContradictions', () => {
  it('reads `key: value` and `key = value` lines', () => {
    const text = 'Invoice summary\nTotal: 1200\ncurrency = EUR';
    assert.deepEqual(findTextContradictions(text, { total: 1280, currency: 'EUR' }), [
      { key: 'total', path: 'Total', expected: 1280, actual: '1200' },
    ]);
  });

  it('reads list items and Markdown bold keys and values', () => {
    const truth = { total: 1280, due_date: '2024-05-15', customer: 'Acme Corp' };
    assert.deepEqual(
      findTextContradictions('- **Total**: $1,280.00\n* Due date: May 15, 2024\n**Customer:** Acme Corp.', truth),
      [],
    );
    assert.deepEqual(findTextContradictions('**Total:** **1280**', truth), []);
    assert.deepEqual(findTextContradictions('- **Total:** $1,208.00', truth), [
      { key: 'total', path: 'Total', expected: 1280, actual: '$1,208.00' },
    ]);
  });

  it('matches a dotted key by its last segment, ignoring case, spaces and underscores', () => {
    assert.deepEqual(findTextContradictions('Due Date: 2024-05-16', { 'invoice.due_date': '2024-05-15' }), [
      { key: 'invoice.due_date', path: 'Due Date', expected: '2024-05-15', actual: '2024-05-16' },
    ]);
  });

  it('treats prose that never names a key as silence', () => {
    assert.deepEqual(findTextContradictions('The total comes to 1200 euros, due mid-May.', { total: 1280 }), []);
    assert.deepEqual(findTextContradictions('Invoice total: 1200', { total: 1280 }), []);
    assert.deepEqual(findTextContradictions('', { total: 1280 }), []);
  });

  it('compares booleans and null by meaning in prose too', () => {
    assert.deepEqual(findTextContradictions('Paid: yes\nDiscount: none', { paid: true, discount: null }), []);
    assert.equal(findTextContradictions('Paid: no', { paid: true }).length, 1);
  });
});
