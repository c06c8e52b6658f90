/** Pelz-Good asymptotic series for the one-sample two-sided Kolmogorov CDF. */
import { sum } from 'simple-statistics';

const SQRT2PI = Math.sqrt(2 * Math.PI);
const MIN_LOG = -708;
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;

/**
 * Pelz-Good (1976) approximation to Pr(D_n <= x), scipy `_kolmogn_PelzGood`:
 * the Li-Chien/Korolyuk expansion K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5
 * (z = x sqrt(n)) transformed with Jacobi theta identities for small z.
 */
export function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;

  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0.0; // z ~ 0.041743441416853426
  let q = Math.exp(qlog);

  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;

  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;

  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;

  const K = [0, 0, 0, 0];
  // Horner scheme for sum c_i q^(i^2) over odd i
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [
      1.0,
      k1a + k1b * msquared,
      k2a + k2b * msquared + k2c * mfour,
      k3a + k3b * msquared + k3c * mfour + k3d * msix,
    ];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qpower + coeffs[i]!;
  }
  const denom = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / denom[i]!;

  // Remaining sums over all integers k:
  //   K_2: (pi^2 k^2) q^(k^2);  K_3: (3 pi^2 k^2 z^2 - pi^4 k^4) q^(k^2)
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = SQRT3 * z;
  const k2terms: number[] = [];
  const k3terms: number[] = [];
  for (let k = maxk; k > 0; k--) {
    const ksquared = k ** 2;
    const kspi = Math.PI * k;
    const qpwer = q ** ksquared;
    k2terms.push(ksquared * qpwer);
    k3terms.push((sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwer);
  }
  const k2extra = sum(k2terms) * ((PI_SQUARED * SQRT2PI) / (-36 * zthree));
  K[2] = K[2]! + k2extra;
  const k3extra = sum(k3terms) * ((PI_SQUARED * SQRT2PI) / (216 * zsix));
  K[3] = K[3]! + k3extra;
  for (let i = 0; i < 4; i++) K[i] = K[i]! / (n * 1.0) ** (i / 2.0);

  return K[0]! + K[1]! + K[2]! + K[3]!;
}
