import { parseTrace } from '../../src/replay/trace';

test('each sample holds until the next timestamp; the last holds for one interval', () => {
  const trace = parseTrace('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,3\n2024-01-01 00:07:00,2\n', 't.csv');
  expect(trace.minutes).toEqual([1, 1, 1, 1, 1, 3, 3, 2, 2]);
  expect(trace.peak).toBe(3);
});

test('ISO timestamps and epoch seconds are read too', () => {
  expect(parseTrace('time,v\n2024-01-01T00:00:00Z,1\n2024-01-01T00:02:00Z,2\n', 't').minutes).toEqual([1, 1, 2, 2]);
  expect(parseTrace('time,v\n1704067200,1\n1704067260,2\n', 't').minutes).toEqual([1, 2]);
});

test.each([
  ['', 't.csv is empty: expected a header "timestamp,value" and at least one row'],
  ['\n\n', 't.csv is empty: expected a header "timestamp,value" and at least one row'],
  ['2024-01-01 00:00:00,5\n', 't.csv row 1: expected a header such as "timestamp,value", found "2024-01-01 00:00:00,5"'],
  ['timestamp,value\n', 't.csv has a header but no rows'],
  ['timestamp,value\n2024-01-01 00:00:00,5,6\n', 't.csv row 2: expected 2 columns (timestamp,value), found 3: "2024-01-01 00:00:00,5,6"'],
  ['timestamp,value\nyesterday,5\n', 't.csv row 2: "yesterday" is not a timestamp'],
  ['timestamp,value\n2024-01-01 00:00:00,lots\n', 't.csv row 2: "lots" is not a number'],
  ['timestamp,value\n2024-01-01 00:00:00,\n', 't.csv row 2: "" is not a number'],
  ['timestamp,value\n2024-01-01 00:00:00,-1\n', 't.csv row 2: value -1 is negative'],
  ['timestamp,value\n2024-01-01 00:05:00,1\n2024-01-01 00:00:00,2\n', 't.csv row 3: timestamp 2024-01-01 00:00:00 is not after the previous row\'s; rows must be in increasing time order'],
  ['timestamp,value\n2024-01-01 00:05:00,1\n2024-01-01 00:05:00,2\n', 't.csv row 3: timestamp 2024-01-01 00:05:00 is not after the previous row\'s; rows must be in increasing time order'],
  ['timestamp,value\n2024-01-01 00:00:00,0\n2024-01-01 00:05:00,0\n', 't.csv: every value is 0, so there is no peak to scale to'],
])('rejects %j with a message that names the problem and the row', (text, message) => {
  expect(() => parseTrace(text, 't.csv')).toThrow(message);
});
