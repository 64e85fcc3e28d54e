/**
 * Devices known to burn identifying text into their images, and where (issue 4 §4). Data only: each entry says
 * what it matches, which regions are blanked in every frame, why, and where the knowledge comes from.
 *
 * The entries are taken from the "Burned-in Annotation Library" of RSNA CTP's DicomPixelAnonymizer (the
 * DicomPixelAnonymizer.script distributed with CTP; the copy read was susom/mirc-ctp stanford-scrubber.script).
 * CTP writes regions as (x, y, width, height); so do we. Matching is like CTP's `containsIgnoreCase` / `equals`.
 * A region outside the image is clipped. Adding an entry: give the source (a vendor manual, a sample image you
 * inspected) and keep the region as small as the text.
 */

/** One attribute condition. Keywords are PS3.6 keywords of top-level attributes. */
export type SignatureCondition = { readonly contains: string } | { readonly equals: string };

/** One device signature. */
export interface BurnedInSignature {
  readonly id: string;
  /** All conditions must hold (values of multi-valued attributes are joined with "\"). */
  readonly match: Readonly<Record<string, SignatureCondition>>;
  /** Regions to blank: x, y, width, height in pixels. */
  readonly regions: readonly (readonly [number, number, number, number])[];
  readonly reason: string;
  readonly source: string;
}

const CTP = 'RSNA CTP DicomPixelAnonymizer burned-in annotation library (DicomPixelAnonymizer.script)';

export const BURNED_IN_SIGNATURES: readonly BurnedInSignature[] = [
  {
    id: 'ge-ct-dose-report',
    match: { Modality: { equals: 'CT' }, SeriesDescription: { contains: 'Dose Report' } },
    regions: [[0, 0, 512, 110]],
    reason: 'GE CT dose report screens carry patient name, ID and exam date in the top band',
    source: CTP,
  },
  {
    id: 'ge-aw-electronic-film',
    match: { BurnedInAnnotation: { contains: 'YES' }, Manufacturer: { contains: 'GE MEDICAL' }, SeriesDescription: { contains: 'AW electronic film' } },
    regions: [[0, 0, 512, 80]],
    reason: 'GE AW workstation "electronic film" captures print the patient banner at the top',
    source: CTP,
  },
  {
    id: 'ge-screen-capture-512',
    match: { BurnedInAnnotation: { contains: 'YES' }, Manufacturer: { contains: 'GE MEDICAL' }, Rows: { equals: '512' } },
    regions: [[0, 0, 512, 25]],
    reason: 'GE 512 × 512 screen captures: patient banner in the top 25 rows',
    source: CTP,
  },
  {
    id: 'ge-screen-capture-1024',
    match: { BurnedInAnnotation: { contains: 'YES' }, Manufacturer: { contains: 'GE MEDICAL' }, Rows: { equals: '1024' } },
    regions: [[0, 0, 300, 150], [724, 0, 300, 150]],
    reason: 'GE 1024 × 1024 screen captures: patient and site text in both top corners',
    source: CTP,
  },
  {
    id: 'siemens-ct-dose-860',
    match: { Modality: { equals: 'CT' }, Manufacturer: { contains: 'SIEMENS' }, ImageType: { contains: 'SECONDARY' }, Rows: { equals: '860' } },
    regions: [[0, 0, 1132, 60]],
    reason: 'Siemens CT dose series: patient banner at the top',
    source: CTP,
  },
  {
    id: 'philips-dose',
    match: { Manufacturer: { contains: 'PHILIPS' }, ImageType: { contains: 'DOSE' } },
    regions: [[0, 0, 512, 135]],
    reason: 'Philips dose info images: patient data at the top',
    source: CTP,
  },
  {
    id: 'toshiba-aquilion-one-dose',
    match: {
      Modality: { equals: 'CT' },
      Manufacturer: { contains: 'TOSHIBA' },
      ManufacturerModelName: { contains: 'Aquilion ONE' },
      ImageType: { contains: 'SECONDARY' },
      Rows: { equals: '512' },
      Columns: { equals: '512' },
    },
    regions: [[0, 0, 410, 240]],
    reason: 'Toshiba Aquilion ONE dose screens: patient table in the top-left',
    source: CTP,
  },
  {
    id: 'ge-logiq9',
    match: { ManufacturerModelName: { contains: 'LOGIQ9' } },
    regions: [[0, 0, 640, 40]],
    reason: 'GE LOGIQ 9 ultrasound: patient banner in the top 40 rows',
    source: CTP,
  },
  {
    id: 'ge-logiqe9',
    match: { ManufacturerModelName: { contains: 'LOGIQE9' } },
    regions: [[0, 0, 960, 70]],
    reason: 'GE LOGIQ E9 ultrasound: patient banner in the top 70 rows',
    source: CTP,
  },
  {
    id: 'ge-voluson-v830',
    match: { ManufacturerModelName: { contains: 'V830' } },
    regions: [[0, 0, 960, 70]],
    reason: 'GE Voluson V830 ultrasound: patient banner in the top 70 rows',
    source: CTP,
  },
  {
    id: 'philips-iu22-480',
    match: { ManufacturerModelName: { contains: 'iU22' }, Rows: { equals: '480' } },
    regions: [[0, 0, 640, 47]],
    reason: 'Philips iU22 ultrasound (480 rows): patient banner at the top',
    source: CTP,
  },
  {
    id: 'philips-iu22-768',
    match: { ManufacturerModelName: { contains: 'iU22' }, Rows: { equals: '768' } },
    regions: [[0, 0, 1024, 75]],
    reason: 'Philips iU22 ultrasound (768 rows): patient banner at the top',
    source: CTP,
  },
  {
    id: 'philips-iu22-600',
    match: { ManufacturerModelName: { contains: 'iU22' }, Rows: { equals: '600' } },
    regions: [[0, 0, 800, 59]],
    reason: 'Philips iU22 ultrasound (600 rows): patient banner at the top',
    source: CTP,
  },
  {
    id: 'philips-epiq-600',
    match: { ManufacturerModelName: { contains: 'EPIQ' }, Rows: { equals: '600' } },
    regions: [[0, 0, 800, 59]],
    reason: 'Philips EPIQ ultrasound (600 rows): patient banner at the top',
    source: CTP,
  },
  {
    id: 'philips-epiq-768',
    match: { ManufacturerModelName: { contains: 'EPIQ' }, Rows: { equals: '768' } },
    // CTP blanks (0,0,800,59); fixture US_GREYSCALE_burnedin_PHI.dcm (EPIQ 5G, 1024 columns) shows the banner runs
    // the full width, so the width is the image's.
    regions: [[0, 0, 1024, 59]],
    reason: 'Philips EPIQ ultrasound (768 rows): patient name, ID, birth date and institution in the top banner',
    source: `${CTP}; width widened after inspecting pydicom/deid's GREYSCALE_IMAGE.dcm`,
  },
  {
    id: 'philips-cx50-600',
    match: { ManufacturerModelName: { contains: 'CX50' }, Rows: { equals: '600' } },
    regions: [[0, 0, 800, 59]],
    reason: 'Philips CX50 ultrasound (600 rows): patient banner at the top',
    source: CTP,
  },
  {
    id: 'zonare-z-one',
    match: { ManufacturerModelName: { contains: 'Z_ONE' } },
    regions: [[0, 0, 800, 65]],
    reason: 'Zonare z.one ultrasound: patient banner at the top',
    source: CTP,
  },
  {
    id: 'atl-hdi5000',
    match: { Modality: { equals: 'US' }, Manufacturer: { contains: 'ATL' }, ManufacturerModelName: { contains: 'HDI 5000' }, Rows: { equals: '476' }, Columns: { equals: '640' } },
    regions: [[40, 0, 200, 40], [240, 0, 190, 16]],
    reason: 'ATL HDI 5000 ultrasound: name and ID at the top',
    source: CTP,
  },
  {
    id: 'siemens-antares',
    match: { Modality: { equals: 'US' }, Manufacturer: { contains: 'SIEMENS' }, ManufacturerModelName: { contains: 'ANTARES' }, Rows: { equals: '768' }, Columns: { equals: '1024' } },
    regions: [[0, 0, 1024, 60], [200, 60, 20, 20], [800, 65, 104, 14]],
    reason: 'Siemens Antares ultrasound: banner and two text boxes',
    source: CTP,
  },
  {
    id: 'siemens-acuson-600',
    match: { Modality: { equals: 'US' }, Manufacturer: { contains: 'SIEMENS' }, ManufacturerModelName: { contains: 'ACUSON' }, Rows: { equals: '600' }, Columns: { equals: '800' } },
    regions: [[0, 0, 800, 43], [128, 56, 16, 16]],
    reason: 'Siemens Acuson ultrasound (800 × 600): banner at the top',
    source: CTP,
  },
  {
    id: 'acuson-sequoia-480',
    match: { Modality: { equals: 'US' }, Manufacturer: { contains: 'ACUSON' }, ManufacturerModelName: { contains: 'SEQUOIA' }, Rows: { equals: '480' }, Columns: { equals: '640' } },
    regions: [[0, 0, 640, 30]],
    reason: 'Acuson Sequoia ultrasound: banner at the top',
    source: CTP,
  },
  {
    id: 'toshiba-aplio-500',
    match: { Modality: { equals: 'US' }, Manufacturer: { contains: 'TOSHIBA' }, ManufacturerModelName: { contains: 'A500' }, Rows: { equals: '720' }, Columns: { equals: '960' } },
    regions: [[0, 0, 960, 60]],
    reason: 'Toshiba Aplio 500 ultrasound: banner at the top',
    source: CTP,
  },
  {
    id: 'toshiba-aplio-400',
    match: { Modality: { equals: 'US' }, Manufacturer: { contains: 'TOSHIBA' }, ManufacturerModelName: { contains: 'A400' }, Rows: { equals: '720' }, Columns: { equals: '960' } },
    regions: [[0, 0, 960, 60]],
    reason: 'Toshiba Aplio 400 ultrasound: banner at the top',
    source: CTP,
  },
  {
    id: 'supersonic-aixplorer',
    match: { Modality: { equals: 'US' }, Manufacturer: { contains: 'SuperSonic Imagine' }, ManufacturerModelName: { contains: 'Aixplorer' }, Rows: { equals: '1050' }, Columns: { equals: '1400' } },
    regions: [[0, 0, 1400, 89]],
    reason: 'SuperSonic Imagine Aixplorer ultrasound: banner at the top',
    source: CTP,
  },
  {
    id: 'canon-cxdi-2592',
    match: { Manufacturer: { contains: 'Canon' }, ManufacturerModelName: { contains: 'CXDI' }, Rows: { equals: '2592' } },
    regions: [[0, 0, 2208, 80], [0, 2512, 2208, 80]],
    reason: 'Canon CXDI radiographs: labels at the top and bottom edges',
    source: CTP,
  },
  {
    id: 'siemens-nm-secondary-860',
    match: { Modality: { equals: 'NM' }, Manufacturer: { contains: 'SIEMENS' }, ImageType: { contains: 'SECONDARY' }, Rows: { equals: '860' } },
    regions: [[0, 0, 1132, 82], [0, 780, 1132, 80]],
    reason: 'Siemens NM secondary captures: banners at the top and bottom',
    source: CTP,
  },
  {
    id: 'adac-832x1024',
    match: { Manufacturer: { contains: 'ADAC' }, Rows: { equals: '832' }, Columns: { equals: '1024' } },
    regions: [[0, 0, 1024, 60], [0, 762, 1024, 80]],
    reason: 'ADAC captures: banners at the top and bottom',
    source: CTP,
  },
  {
    id: 'medrad-injection-profile',
    match: { SeriesDescription: { contains: 'MEDRAD' }, Rows: { equals: '1077' }, Columns: { equals: '750' } },
    regions: [[0, 0, 750, 230]],
    reason: 'MEDRAD injector protocol screens: patient data at the top',
    source: CTP,
  },
];
