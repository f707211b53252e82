/**
 * The newest `capacity` items, overwriting the oldest in place. Why not push/shift on an array:
 * the model lifecycle keeps one per scored window, and `shift` moves every element each time.
 */
export class BoundedList<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else {
      this.items[this.next] = item;
      this.next = (this.next + 1) % this.capacity;
    }
  }

  get length(): number {
    return this.items.length;
  }

  /** The items in no particular order (callers filter or score them as a set). */
  values(): readonly T[] {
    return this.items;
  }
}
