/**
 * Typed reads of an event's event_data. A required field that is absent or of the
 * wrong type makes the row unparseable (MalformedEvent); an optional one of the
 * wrong type is dropped with a note, so one bad field does not cost the whole row.
 */
export class MalformedEvent extends Error {}

type Data = Record<string, unknown>;

export const isObject = (v: unknown): v is Data => !!v && typeof v === 'object' && !Array.isArray(v);
const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

export class Fields {
  /** Optional fields dropped for having the wrong type. */
  readonly dropped: string[] = [];

  constructor(readonly data: Data) {}

  private take<T>(key: string, ok: (v: unknown) => v is T, what: string, required: boolean): T | undefined {
    const v = this.data[key];
    if (v === undefined || v === null) {
      if (required) throw new MalformedEvent(`event_data.${key} is missing`);
      return undefined;
    }
    if (ok(v)) return v;
    if (required) throw new MalformedEvent(`event_data.${key} is not ${what}`);
    this.dropped.push(`event_data.${key} is not ${what}`);
    return undefined;
  }

  str(key: string): string | undefined {
    return this.take(key, (v): v is string => typeof v === 'string' && v !== '', 'a string', false);
  }
  requiredStr(key: string): string {
    return this.take(key, (v): v is string => typeof v === 'string' && v !== '', 'a string', true)!;
  }
  time(key: string): string | undefined {
    return this.take(key, isTime, 'an RFC 3339 time', false);
  }
  requiredTime(key: string): string {
    return this.take(key, isTime, 'an RFC 3339 time', true)!;
  }
  num(key: string): number | undefined {
    return this.take(key, (v): v is number => typeof v === 'number' && Number.isFinite(v), 'a number', false);
  }
  bool(key: string): boolean | undefined {
    return this.take(key, (v): v is boolean => typeof v === 'boolean', 'a boolean', false);
  }
  obj(key: string): Data | undefined {
    return this.take(key, isObject, 'an object', false);
  }
  requiredObj(key: string): Data {
    return this.take(key, isObject, 'an object', true)!;
  }
  /** A map of strings to strings; other values are dropped. */
  stringMap(key: string): Record<string, string> | undefined {
    const o = this.obj(key);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string') out[k] = v;
      else this.dropped.push(`event_data.${key}.${k} is not a string`);
    }
    return out;
  }
  stringList(key: string): string[] | undefined {
    const v = this.data[key];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    this.dropped.push(`event_data.${key} is not a list of strings`);
    return undefined;
  }
}
