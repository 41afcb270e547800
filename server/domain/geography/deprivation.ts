/** The deprivation of one LSOA (English Indices of Deprivation 2019) and its mid-2015 population. */
export interface LsoaDeprivation {
  lsoaCode: string;
  imdRank: number;
  imdDecile: number;
  crimeRank: number;
  crimeDecile: number;
  population: number;
}

export interface AreaDeprivation {
  code: string;
  lsoas: number;
  population: number;
  /** Population-weighted mean of the LSOAs' national IMD ranks (1 = most deprived of 32,844). */
  meanImdRank: number;
  /** Share of the area's LSOAs in the most deprived national decile of the IMD. */
  shareLsoasMostDeprived: number;
  /** Share of the area's residents (mid-2015) living in such LSOAs. */
  shareResidentsMostDeprived: number;
  meanCrimeRank: number;
  shareLsoasMostDeprivedCrime: number;
  shareResidentsMostDeprivedCrime: number;
}

/**
 * Deprivation of wards or districts from their LSOAs. Each LSOA counts wholly in the one area the
 * ONS best-fit lookup assigns it to (an LSOA straddling a ward boundary goes to the ward holding most of
 * its population), so ward figures are approximations, as MHCLG's own ward-level figures would be.
 * @param areaOf LSOA code → ward or district code
 */
export function areaDeprivation(lsoas: LsoaDeprivation[], areaOf: Map<string, string>): AreaDeprivation[] {
  const groups = new Map<string, LsoaDeprivation[]>();
  for (const l of lsoas) {
    const area = areaOf.get(l.lsoaCode);
    if (!area) continue;
    if (!groups.has(area)) groups.set(area, []);
    groups.get(area)!.push(l);
  }
  return [...groups.entries()]
    .map(([code, ls]) => {
      const pop = ls.reduce((s, l) => s + l.population, 0);
      const weighted = (f: (l: LsoaDeprivation) => number) => ls.reduce((s, l) => s + f(l) * l.population, 0) / pop;
      const share = (f: (l: LsoaDeprivation) => boolean) => ls.filter(f).length / ls.length;
      const residents = (f: (l: LsoaDeprivation) => boolean) => ls.filter(f).reduce((s, l) => s + l.population, 0) / pop;
      return {
        code,
        lsoas: ls.length,
        population: pop,
        meanImdRank: weighted((l) => l.imdRank),
        shareLsoasMostDeprived: share((l) => l.imdDecile === 1),
        shareResidentsMostDeprived: residents((l) => l.imdDecile === 1),
        meanCrimeRank: weighted((l) => l.crimeRank),
        shareLsoasMostDeprivedCrime: share((l) => l.crimeDecile === 1),
        shareResidentsMostDeprivedCrime: residents((l) => l.crimeDecile === 1),
      };
    })
    .sort((a, b) => a.code.localeCompare(b.code));
}
