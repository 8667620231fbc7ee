import { parseTrace } from '../../src/replay/trace';

const EXPECTED = 'expected the header "timestamp,value" or "timestamp,bytes,records,throttled_records"';

test('each sample holds until the next timestamp; the last holds for one interval', () => {
  const trace = parseTrace('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,3\n2024-01-01 00:07:00,2\n', 't.csv');
  expect(trace.minutes).toEqual([1, 1, 1, 1, 1, 3, 3, 2, 2]);
  expect(trace.peak).toBe(3);
  expect(trace.format).toBe('relative');
  expect(trace.startMs).toBe(Date.UTC(2024, 0, 1));
});

test('ISO timestamps and epoch seconds are read too', () => {
  expect(parseTrace('timestamp,value\n2024-01-01T00:00:00Z,1\n2024-01-01T00:02:00Z,2\n', 't').minutes).toEqual([1, 1, 2, 2]);
  expect(parseTrace('Timestamp, Value\n1704067200,1\n1704067260,2\n', 't').minutes).toEqual([1, 2]);
});

test('a measured row is a total over its interval: bytes/s and records/s, throttled records added at the row\'s record size', () => {
  const trace = parseTrace([
    'timestamp,bytes,records,throttled_records',
    '2024-01-01T00:00:00Z,600000,600,0', // 5 minutes of 2,000 B/s, 2 records/s of 1,000 bytes
    '2024-01-01T00:05:00Z,60000,60,60', // 1 minute: 1,000 B/s accepted, 1 record/s accepted + 1 record/s throttled
    '2024-01-01T00:06:00Z,120000,60,0', // 1 minute of 2,000-byte records
  ].join('\n'), 'm.csv');
  expect(trace.format).toBe('measured');
  expect(trace.minutes).toEqual([2000, 2000, 2000, 2000, 2000, 2000, 2000]);
  expect(trace.records).toEqual([2, 2, 2, 2, 2, 2, 1]);
  expect(trace.peak).toBe(2000);
});

test.each([
  ['', 't.csv is empty: expected a header "timestamp,value" or "timestamp,bytes,records,throttled_records" and at least one row'],
  ['\n\n', 't.csv is empty: expected a header'],
  ['2024-01-01 00:00:00,5\n', `t.csv row 1: ${EXPECTED}, found a data row "2024-01-01 00:00:00,5"`],
  ['time,bytes\n2024-01-01 00:00:00,5\n', `t.csv row 1: ${EXPECTED}, found the header "time,bytes"`],
  ['value,timestamp\n5,2024-01-01 00:00:00\n', `t.csv row 1: ${EXPECTED}, found the header "value,timestamp"`],
  ['timestamp,bytes,records\n2024-01-01 00:00:00,5,1\n', `t.csv row 1: ${EXPECTED}, found the header "timestamp,bytes,records"`],
  ['timestamp,value\n', 't.csv has a header but no rows'],
  ['timestamp,value\n2024-01-01 00:00:00,5,6\n', 't.csv row 2: expected 2 columns (timestamp,value), found 3: "2024-01-01 00:00:00,5,6"'],
  ['timestamp,bytes,records,throttled_records\n2024-01-01 00:00:00,5\n', 't.csv row 2: expected 4 columns (timestamp,bytes,records,throttled_records), found 2'],
  ['timestamp,value\nyesterday,5\n', 't.csv row 2: "yesterday" is not a timestamp'],
  ['timestamp,value\n5,2024-01-01 00:00:00\n', 't.csv row 2: "5" is not a timestamp; the columns look swapped: the first must be the timestamp (timestamp,value)'],
  ['timestamp,value\n2024-01-01 00:00:00,lots\n', 't.csv row 2: value "lots" is not a number'],
  ['timestamp,bytes,records,throttled_records\n2024-01-01 00:00:00,1,x,0\n', 't.csv row 2: records "x" is not a number'],
  ['timestamp,value\n2024-01-01 00:00:00,\n', 't.csv row 2: value "" is not a number'],
  ['timestamp,value\n2024-01-01 00:00:00,-1\n', 't.csv row 2: value -1 is negative'],
  ['timestamp,value\n2024-01-01 00:05:00,1\n2024-01-01 00:00:00,2\n', 't.csv row 3: timestamp 2024-01-01 00:00:00 is not after the previous row\'s; rows must be in increasing time order'],
  ['timestamp,value\n2024-01-01 00:05:00,1\n2024-01-01 00:05:00,2\n', 't.csv row 3: timestamp 2024-01-01 00:05:00 is not after the previous row\'s; rows must be in increasing time order'],
  ['timestamp,value\n2024-01-01 00:00:00,0\n2024-01-01 00:05:00,0\n', 't.csv: every value is 0, so there is no traffic to replay'],
  ['timestamp,value\n2020-01-01 00:00:00,1\n2024-01-01 00:00:00,1\n', 't.csv spans 2922 days; the replay takes at most 366 days of traffic'],
])('rejects %j with a message that names the problem and the row', (text, message) => {
  expect(() => parseTrace(text, 't.csv')).toThrow(message);
});
