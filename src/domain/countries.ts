/** Country codes the product knows (product.md §4): code → engine country name and currency. */
export const COUNTRIES: Record<string, { country: string; currency: string }> = {
  KE: { country: 'Kenya', currency: 'KES' },
  UG: { country: 'Uganda', currency: 'UGX' },
  TZ: { country: 'Tanzania', currency: 'TZS' },
  RW: { country: 'Rwanda', currency: 'RWF' },
  ET: { country: 'Ethiopia', currency: 'ETB' },
  NG: { country: 'Nigeria', currency: 'NGN' },
  GH: { country: 'Ghana', currency: 'GHS' },
  ZA: { country: 'South Africa', currency: 'ZAR' },
  IN: { country: 'India', currency: 'INR' },
  US: { country: 'United States', currency: 'USD' },
  GB: { country: 'United Kingdom', currency: 'GBP' },
};

export function countryFor(code: string): { country: string; currency: string } | undefined {
  return COUNTRIES[code.toUpperCase()];
}
