/**
 * Epoch seconds for a DateTime placeholder. ClickHouse does not parse RFC 3339 text
 * (`2024-01-01T10:00:00Z`) as a DateTime parameter, but parses epoch seconds exactly, as long as
 * they are written with at least five digits (it refuses `0` to `9999`, which read like years):
 * so the whole seconds are padded to ten. Fractional seconds keep millisecond precision for DateTime64.
 */
export function toEpochSeconds(value: string | number): string {
  const millis = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (Number.isNaN(millis)) return String(value); // validation already refused it; let ClickHouse say why
  const sign = millis < 0 ? '-' : '';
  const whole = Math.floor(Math.abs(millis) / 1000);
  const fraction = Math.abs(millis) % 1000;
  return `${sign}${String(whole).padStart(10, '0')}${fraction === 0 ? '' : `.${String(Math.round(fraction)).padStart(3, '0')}`}`;
}
