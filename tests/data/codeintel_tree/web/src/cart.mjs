import { ApiClient, formatPrice } from "./api.js";

export class CartView {
  #client;
  constructor(client) {
    this.#client = client;
    this.items = [];
  }

  async load(owner) {
    const cart = await this.#client.getCart(owner);
    this.items = cart.items.map(({ sku, quantity }) => ({ sku, quantity }));
    return this;
  }

  render() {
    return this.items.map((item) => `${item.sku} x${item.quantity}`).join("\n") + formatPrice(0);
  }
}

export default function createView(token) {
  return new CartView(new ApiClient(token));
}
