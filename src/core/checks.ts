/** Input checks shared by the constructs (at synth) and the handler (at run time); no AWS or CDK dependency. */
export function assertWholeNumber(prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be a whole number from ${min} to ${max}, received ${value}`);
  }
}
