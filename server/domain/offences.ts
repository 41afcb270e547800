/**
 * Home Office offence classification helpers. A force extract carries offence codes; harmgrid also
 * files each incident under its data.police.uk category so that one definition or weight table can
 * serve public and force data alike.
 */
export interface OffenceClass {
  code: string;
  name: string;
  subgroup: string;
  group: string;
}

/**
 * The data.police.uk category of a Home Office offence, following the police.uk category guide's
 * grouping of the recorded-crime classification.
 * @example policeUkCategoryOf({ code: '8N', name: 'Assault with injury', subgroup: 'Violence with injury', group: 'Violence against the person' })
 *          // 'Violence and sexual offences'
 */
export function policeUkCategoryOf(o: OffenceClass): string {
  switch (o.group) {
    case 'Violence against the person':
    case 'Sexual offences':
      return 'Violence and sexual offences';
    case 'Robbery':
      return 'Robbery';
    case 'Possession of weapons offences':
      return 'Possession of weapons';
    case 'Criminal damage and arson':
      return 'Criminal damage and arson';
    case 'Drug offences':
      return 'Drugs';
    case 'Public order offences':
      return 'Public order';
    case 'Theft offences':
      if (/burglary/i.test(o.subgroup)) return 'Burglary';
      if (['Theft from a vehicle', 'Theft of a motor vehicle', 'Vehicle interference'].includes(o.subgroup)) return 'Vehicle crime';
      if (o.subgroup === 'Bicycle theft') return 'Bicycle theft';
      if (/shoplifting/i.test(o.name)) return 'Shoplifting';
      if (/from the person/i.test(o.name)) return 'Theft from the person';
      return 'Other theft';
    default:
      return 'Other crime';
  }
}
