/** tm's version, reported by `tm version`, `hello` and `status`. */
export const version = '0.1.0';
