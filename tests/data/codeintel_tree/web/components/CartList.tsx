import React, { useState } from "react";
import { Item, ItemStore, totalQuantity } from "../src/store";
import { Badge } from "./Badge.jsx";

type Props = { store: ItemStore; title?: string };

export interface Row {
  item: Item;
  selected: boolean;
}

export function CartList({ store, title }: Props) {
  const [rows, setRows] = useState<Row[]>([]);
  const toggle = (sku: string) =>
    setRows(rows.map((r) => (r.item.sku === sku ? { ...r, selected: !r.selected } : r)));
  return (
    <ul title={title}>
      {rows.map((r) => (
        <li key={r.item.sku} onClick={() => toggle(r.item.sku)}>
          {r.item.sku} <Badge amount={totalQuantity(store)} label="qty" />
        </li>
      ))}
    </ul>
  );
}

export default class CartPanel extends React.Component<Props> {
  render() {
    return <CartList store={this.props.store} />;
  }
}
