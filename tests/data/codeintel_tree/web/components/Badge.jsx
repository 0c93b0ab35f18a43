import React from "react";
import { formatPrice } from "../src/api.js";

export function Badge({ amount, label }) {
  return (
    <span className="badge" title={label}>
      {formatPrice(amount)}
    </span>
  );
}

export const Pill = ({ children }) => <b>{children}</b>;
