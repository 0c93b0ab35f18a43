import { ApiClient } from "./api.js";

export interface Item {
  sku: string;
  quantity: number;
}

export type Owner = string;

export enum Status {
  Open = "open",
  Paid = "paid",
}

export abstract class Store<T> {
  protected items: Map<string, T> = new Map();
  abstract key(item: T): string;
  put(item: T): void {
    this.items.set(this.key(item), item);
  }
}

export class ItemStore extends Store<Item> {
  constructor(private client: ApiClient, public owner: Owner) {
    super();
  }

  key(item: Item): string {
    return item.sku;
  }

  async refresh(): Promise<Status> {
    const cart = await this.client.getCart(this.owner);
    cart.items.forEach((item: Item) => this.put(item));
    return Status.Open;
  }
}

export function totalQuantity(store: ItemStore): number {
  let n = 0;
  for (const item of store["items"].values()) n += item.quantity;
  return n;
}

export declare function track(event: string): void;

export namespace Events {
  export const OPENED = "opened";
  export function emit(name: string): void {
    track(name);
  }
}
