/** The district, ward and LSOA an incident is tagged with (null outside them), with the vintages used. */
export interface IncidentTags {
  district: string | null;
  ward: string | null;
  wardVintage: string | null;
  lsoa: string | null;
  lsoaVintage: string | null;
}
