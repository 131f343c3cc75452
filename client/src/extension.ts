export function activate(): void { /* replaced */ }
