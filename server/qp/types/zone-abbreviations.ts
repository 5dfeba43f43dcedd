// Time zone abbreviations (ARCHITECTURE.md "query processor": values): PostgreSQL's default set
// (timezone_abbreviations 'Default', src/timezone/tznames/Default), which date/time input and
// time zone names read before the IANA database.

/** An abbreviation: a fixed offset in seconds east of UTC (`dst` when it names a daylight-saving
 * time, which PostgreSQL's input treats as a different field from a standard one), or a zone whose
 * offset at the instant it meant (its "dynamic" abbreviations, of zones whose offset changed). */
export type ZoneAbbreviation =
  | { readonly offsetSeconds: number; readonly dst: boolean }
  | { readonly zone: string }

const H = 3600

/** Standard-time abbreviations: seconds east of UTC. */
const STANDARD: Readonly<Record<string, number>> = {
  // Africa
  eat: 3 * H, sast: 2 * H, wat: 1 * H,
  // America
  act: -5 * H, akst: -9 * H, bot: -4 * H, bra: -3 * H, brt: -3 * H, cot: -5 * H, cst: -6 * H,
  egt: -1 * H, est: -5 * H, fnt: -2 * H, gft: -3 * H, mst: -7 * H, nft: -12600, nst: -12600,
  pet: -5 * H, pmst: -3 * H, pst: -8 * H, uyt: -3 * H, wgt: -3 * H,
  // Antarctica
  ddut: 10 * H,
  // Asia
  aft: 16200, almt: 6 * H, amt: -4 * H, bdt: 6 * H, bnt: 8 * H, bort: 8 * H, btt: 6 * H,
  cct: 8 * H, hkt: 8 * H, ict: 7 * H, irt: 12600, ist: 2 * H, jayt: 9 * H, jst: 9 * H, kst: 9 * H,
  mmt: 23400, myt: 8 * H, npt: 20700, pht: 8 * H, pkt: 5 * H, tjt: 5 * H, uzt: 5 * H, xjt: 6 * H,
  // Atlantic
  ast: -4 * H, azot: -1 * H,
  // Australia
  acst: 34200, acwst: 31500, aest: 10 * H, awst: 8 * H, cast: 34200, lhst: 37800, ligt: 10 * H,
  nzt: 12 * H, wast: 7 * H,
  // Etc
  gmt: 0, uct: 0, ut: 0, utc: 0, z: 0, zulu: 0,
  // Europe
  cet: 1 * H, eet: 2 * H, fet: 3 * H, met: 1 * H, mez: 1 * H, wet: 0,
  // Indian
  cxt: 7 * H, mut: 4 * H, mvt: 5 * H, ret: 4 * H, sct: 4 * H, tft: 5 * H,
  // Pacific
  chast: 45900, chut: 10 * H, fjt: 12 * H, galt: -6 * H, gamt: -9 * H, gilt: 12 * H,
  hst: -10 * H, mart: -34200, mht: 12 * H, mpt: 10 * H, nzst: 12 * H, pgt: 10 * H, pont: 11 * H,
  pwt: 9 * H, taht: -10 * H, tot: 13 * H, trut: 10 * H, tvt: 12 * H, vut: 11 * H, wakt: 12 * H,
  wft: 12 * H, yapt: 10 * H,
}

/** Daylight-saving-time abbreviations: seconds east of UTC. */
const DAYLIGHT: Readonly<Record<string, number>> = {
  akdt: -8 * H, brst: -2 * H, cdt: -5 * H, clst: -3 * H, edt: -4 * H, egst: 0, fnst: -1 * H,
  mdt: -6 * H, ndt: -9000, pdt: -7 * H, pmdt: -2 * H, pyst: -3 * H, uyst: -2 * H, wgst: -2 * H,
  almst: 7 * H, idt: 3 * H, kdt: 10 * H, kgst: 6 * H, pkst: 6 * H, ulast: 9 * H, uzst: 6 * H,
  yekst: 6 * H, adt: -3 * H, azost: 0, acsst: 37800, acdt: 37800, aesst: 11 * H, aedt: 11 * H,
  awsst: 9 * H, cadt: 37800, sadt: 37800, wadt: 8 * H, wdt: 9 * H, bst: 1 * H, bdst: 2 * H,
  cest: 2 * H, cetdst: 2 * H, eest: 3 * H, eetdst: 3 * H, mest: 2 * H, mesz: 2 * H,
  metdst: 2 * H, msd: 4 * H, wetdst: 1 * H, must: 5 * H, chadt: 49500, fjst: 13 * H,
  nzdt: 13 * H,
}

/** Abbreviations whose meaning changed over time: the zone that decides the offset. */
const DYNAMIC: Readonly<Record<string, string>> = {
  art: 'America/Argentina/Buenos_Aires', arst: 'America/Argentina/Buenos_Aires',
  clt: 'America/Santiago', gyt: 'America/Guyana', pyt: 'America/Asuncion', vet: 'America/Caracas',
  davt: 'Antarctica/Davis', mawt: 'Antarctica/Mawson', amst: 'Asia/Yerevan', anast: 'Asia/Anadyr',
  anat: 'Asia/Anadyr', azst: 'Asia/Baku', azt: 'Asia/Baku', gest: 'Asia/Tbilisi',
  get: 'Asia/Tbilisi', irkst: 'Asia/Irkutsk', irkt: 'Asia/Irkutsk', kgt: 'Asia/Bishkek',
  krast: 'Asia/Krasnoyarsk', krat: 'Asia/Krasnoyarsk', lkt: 'Asia/Colombo',
  magst: 'Asia/Magadan', magt: 'Asia/Magadan', novst: 'Asia/Novosibirsk',
  novt: 'Asia/Novosibirsk', omsst: 'Asia/Omsk', omst: 'Asia/Omsk', petst: 'Asia/Kamchatka',
  pett: 'Asia/Kamchatka', sgt: 'Asia/Singapore', tmt: 'Asia/Ashgabat', ulat: 'Asia/Ulaanbaatar',
  vlast: 'Asia/Vladivostok', vlat: 'Asia/Vladivostok', yakst: 'Asia/Yakutsk',
  yakt: 'Asia/Yakutsk', yekt: 'Asia/Yekaterinburg', fkst: 'Atlantic/Stanley',
  fkt: 'Atlantic/Stanley', lhdt: 'Australia/Lord_Howe', msk: 'Europe/Moscow',
  volt: 'Europe/Volgograd', iot: 'Indian/Chagos', ckt: 'Pacific/Rarotonga',
  easst: 'Pacific/Easter', east: 'Pacific/Easter', kost: 'Pacific/Kosrae',
  lint: 'Pacific/Kiritimati', nut: 'Pacific/Niue', tkt: 'Pacific/Fakaofo',
}

/** Lower-case abbreviation → meaning. */
export const ZONE_ABBREVIATIONS: ReadonlyMap<string, ZoneAbbreviation> = new Map<
  string,
  ZoneAbbreviation
>([
  ...Object.entries(STANDARD).map(([k, v]) => [k, { offsetSeconds: v, dst: false }] as const),
  ...Object.entries(DAYLIGHT).map(([k, v]) => [k, { offsetSeconds: v, dst: true }] as const),
  ...Object.entries(DYNAMIC).map(([k, zone]) => [k, { zone }] as const),
])
