/**
 * Attribute Types (PS3.3 Type 1 / 2 / 3) used to resolve the compound actions of Table E.1-1
 * (Z/D, X/Z, X/D, X/Z/D, X/Z/U*). We do not carry the IOD tables of PS3.3; this is a small, data-driven list of
 * the attributes that the compound rows name and that occur in the IODs a consult carries, with the module
 * that gives the Type. Anything not listed is resolved to the most conservative action the code allows
 * (X before Z before D) by `resolveCompound`.
 *
 * Lookup precedence: entry with both `within` (parent sequence) and `sopClasses` > `within` only >
 * `sopClasses` only > the default entry (neither).
 */

/** PS3.3 attribute Type (1C / 2C are recorded as 1 / 2: the condition is assumed to hold). */
export type AttributeType = '1' | '2' | '3';

/** One Type entry. */
export interface TypeRule {
  /** Tag, 8 upper-case hex digits. */
  readonly tag: string;
  readonly keyword: string;
  readonly type: AttributeType;
  /** Only for instances of these SOP classes. */
  readonly sopClasses?: readonly string[];
  /** Only when nested directly in an item of this sequence (tag). */
  readonly within?: string;
  /** Where PS3.3 says so. */
  readonly source: string;
}

const SR = [
  '1.2.840.10008.5.1.4.1.1.88.11', // Basic Text SR
  '1.2.840.10008.5.1.4.1.1.88.22', // Enhanced SR
  '1.2.840.10008.5.1.4.1.1.88.33', // Comprehensive SR
  '1.2.840.10008.5.1.4.1.1.88.34', // Comprehensive 3D SR
  '1.2.840.10008.5.1.4.1.1.88.35', // Extensible SR
  '1.2.840.10008.5.1.4.1.1.88.40', // Procedure Log
  '1.2.840.10008.5.1.4.1.1.88.50', // Mammography CAD SR
  '1.2.840.10008.5.1.4.1.1.88.59', // Key Object Selection
  '1.2.840.10008.5.1.4.1.1.88.65', // Chest CAD SR
  '1.2.840.10008.5.1.4.1.1.88.67', // X-Ray Radiation Dose SR
  '1.2.840.10008.5.1.4.1.1.88.68', // Radiopharmaceutical Radiation Dose SR
  '1.2.840.10008.5.1.4.1.1.88.69', // Colon CAD SR
  '1.2.840.10008.5.1.4.1.1.88.71', // Acquisition Context SR
  '1.2.840.10008.5.1.4.1.1.88.72', // Simplified Adult Echo SR
  '1.2.840.10008.5.1.4.1.1.88.73', // Patient Radiation Dose SR
];

/** IODs with the Multi-frame Functional Groups and Enhanced General Equipment modules. */
const ENHANCED = [
  '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT
  '1.2.840.10008.5.1.4.1.1.2.2', // Legacy Converted Enhanced CT
  '1.2.840.10008.5.1.4.1.1.4.1', // Enhanced MR
  '1.2.840.10008.5.1.4.1.1.4.3', // Enhanced MR Color
  '1.2.840.10008.5.1.4.1.1.4.4', // Legacy Converted Enhanced MR
  '1.2.840.10008.5.1.4.1.1.6.2', // Enhanced US Volume
  '1.2.840.10008.5.1.4.1.1.12.1.1', // Enhanced XA
  '1.2.840.10008.5.1.4.1.1.12.2.1', // Enhanced XRF
  '1.2.840.10008.5.1.4.1.1.128.1', // Enhanced PET
  '1.2.840.10008.5.1.4.1.1.128.2', // Legacy Converted Enhanced PET
  '1.2.840.10008.5.1.4.1.1.13.1.3', // Breast Tomosynthesis
  '1.2.840.10008.5.1.4.1.1.30', // Parametric Map
  '1.2.840.10008.5.1.4.1.1.66.4', // Segmentation
  '1.2.840.10008.5.1.4.1.1.77.1.6', // VL Whole Slide Microscopy
];

const WAVEFORM = [
  '1.2.840.10008.5.1.4.1.1.9.1.1', // 12-lead ECG
  '1.2.840.10008.5.1.4.1.1.9.1.2', // General ECG
  '1.2.840.10008.5.1.4.1.1.9.1.3', // Ambulatory ECG
  '1.2.840.10008.5.1.4.1.1.9.2.1', // Hemodynamic
  '1.2.840.10008.5.1.4.1.1.9.3.1', // Cardiac Electrophysiology
  '1.2.840.10008.5.1.4.1.1.9.5.1', // Arterial Pulse
  '1.2.840.10008.5.1.4.1.1.9.6.1', // Respiratory
];

const RT = [
  '1.2.840.10008.5.1.4.1.1.481.1', // RT Image
  '1.2.840.10008.5.1.4.1.1.481.2', // RT Dose
  '1.2.840.10008.5.1.4.1.1.481.3', // RT Structure Set
  '1.2.840.10008.5.1.4.1.1.481.4', // RT Beams Treatment Record
  '1.2.840.10008.5.1.4.1.1.481.5', // RT Plan
  '1.2.840.10008.5.1.4.1.1.481.6', // RT Brachy Treatment Record
  '1.2.840.10008.5.1.4.1.1.481.7', // RT Treatment Summary Record
  '1.2.840.10008.5.1.4.1.1.481.8', // RT Ion Plan
  '1.2.840.10008.5.1.4.1.1.481.9', // RT Ion Beams Treatment Record
];

const PRESENTATION_STATES = [
  '1.2.840.10008.5.1.4.1.1.11.1', // Grayscale Softcopy PS
  '1.2.840.10008.5.1.4.1.1.11.2', // Color Softcopy PS
  '1.2.840.10008.5.1.4.1.1.11.3', // Pseudo-Color Softcopy PS
  '1.2.840.10008.5.1.4.1.1.11.4', // Blending Softcopy PS
];

/** The Type table. Keep entries sorted by tag; cite the PS3.3 module. */
export const ATTRIBUTE_TYPES: readonly TypeRule[] = [
  { tag: '00080012', keyword: 'InstanceCreationDate', type: '3', source: 'C.12.1 SOP Common' },
  { tag: '00080013', keyword: 'InstanceCreationTime', type: '3', source: 'C.12.1 SOP Common' },
  { tag: '00080018', keyword: 'SOPInstanceUID', type: '1', source: 'C.12.1 SOP Common' },
  { tag: '00080020', keyword: 'StudyDate', type: '2', source: 'C.7.2.1 General Study' },
  { tag: '00080021', keyword: 'SeriesDate', type: '3', source: 'C.7.3.1 General Series' },
  { tag: '00080022', keyword: 'AcquisitionDate', type: '3', source: 'C.7.6.1 General Image' },
  { tag: '00080023', keyword: 'ContentDate', type: '2', source: 'C.7.6.1 General Image (2C)' },
  { tag: '00080023', keyword: 'ContentDate', type: '1', sopClasses: SR, source: 'C.17.2 SR Document General' },
  { tag: '00080023', keyword: 'ContentDate', type: '1', sopClasses: ENHANCED, source: 'C.7.6.16 Multi-frame Functional Groups' },
  { tag: '00080023', keyword: 'ContentDate', type: '1', sopClasses: PRESENTATION_STATES, source: 'C.11.10 Presentation State Identification' },
  { tag: '0008002A', keyword: 'AcquisitionDateTime', type: '3', source: 'C.7.6.1 General Image' },
  { tag: '0008002A', keyword: 'AcquisitionDateTime', type: '1', sopClasses: ENHANCED, source: 'C.8.13.1 Enhanced MR Image / C.8.15.2 Enhanced CT Image (1C)' },
  { tag: '0008002A', keyword: 'AcquisitionDateTime', type: '2', sopClasses: WAVEFORM, source: 'C.10.8 Waveform Identification' },
  { tag: '00080030', keyword: 'StudyTime', type: '2', source: 'C.7.2.1 General Study' },
  { tag: '00080031', keyword: 'SeriesTime', type: '3', source: 'C.7.3.1 General Series' },
  { tag: '00080032', keyword: 'AcquisitionTime', type: '3', source: 'C.7.6.1 General Image' },
  { tag: '00080033', keyword: 'ContentTime', type: '2', source: 'C.7.6.1 General Image (2C)' },
  { tag: '00080033', keyword: 'ContentTime', type: '1', sopClasses: SR, source: 'C.17.2 SR Document General' },
  { tag: '00080033', keyword: 'ContentTime', type: '1', sopClasses: ENHANCED, source: 'C.7.6.16 Multi-frame Functional Groups' },
  { tag: '00080033', keyword: 'ContentTime', type: '1', sopClasses: PRESENTATION_STATES, source: 'C.11.10 Presentation State Identification' },
  { tag: '00080050', keyword: 'AccessionNumber', type: '2', source: 'C.7.2.1 General Study' },
  { tag: '00080080', keyword: 'InstitutionName', type: '3', source: 'C.7.5.1 General Equipment' },
  { tag: '00080082', keyword: 'InstitutionCodeSequence', type: '3', source: 'C.7.5.1 General Equipment' },
  { tag: '00080090', keyword: 'ReferringPhysicianName', type: '2', source: 'C.7.2.1 General Study' },
  { tag: '00081010', keyword: 'StationName', type: '3', source: 'C.7.5.1 General Equipment' },
  { tag: '00081070', keyword: 'OperatorsName', type: '3', source: 'C.7.3.1 General Series' },
  { tag: '00081070', keyword: 'OperatorsName', type: '2', sopClasses: RT, source: 'C.8.8.1 RT Series' },
  { tag: '00081072', keyword: 'OperatorIdentificationSequence', type: '3', source: 'C.7.3.1 General Series' },
  { tag: '00081110', keyword: 'ReferencedStudySequence', type: '3', source: 'C.7.2.1 General Study' },
  { tag: '00081111', keyword: 'ReferencedPerformedProcedureStepSequence', type: '3', source: 'C.7.3.1 General Series' },
  { tag: '00081111', keyword: 'ReferencedPerformedProcedureStepSequence', type: '2', sopClasses: SR, source: 'C.17.1 SR Document Series' },
  { tag: '00081140', keyword: 'ReferencedImageSequence', type: '3', source: 'C.7.6.1 General Image' },
  { tag: '00082112', keyword: 'SourceImageSequence', type: '3', source: 'C.7.6.1 General Image' },
  { tag: '00082112', keyword: 'SourceImageSequence', type: '1', within: '00089124', source: 'C.7.6.16.2.6 Derivation Image Macro (1C)' },
  { tag: '00100010', keyword: 'PatientName', type: '2', source: 'C.7.1.1 Patient' },
  { tag: '00100020', keyword: 'PatientID', type: '2', source: 'C.7.1.1 Patient' },
  { tag: '00100030', keyword: 'PatientBirthDate', type: '2', source: 'C.7.1.1 Patient' },
  { tag: '00100040', keyword: 'PatientSex', type: '2', source: 'C.7.1.1 Patient' },
  { tag: '00102203', keyword: 'PatientSexNeutered', type: '3', source: 'C.7.1.1 Patient (2C, animals only)' },
  { tag: '00180010', keyword: 'ContrastBolusAgent', type: '2', source: 'C.7.6.4 Contrast/Bolus' },
  { tag: '00181000', keyword: 'DeviceSerialNumber', type: '3', source: 'C.7.5.1 General Equipment' },
  { tag: '00181000', keyword: 'DeviceSerialNumber', type: '1', sopClasses: ENHANCED, source: 'C.7.5.2 Enhanced General Equipment' },
  { tag: '00181030', keyword: 'ProtocolName', type: '3', source: 'C.7.3.1 General Series' },
  { tag: '00181400', keyword: 'AcquisitionDeviceProcessingDescription', type: '3', source: 'C.8.11.4 DX Image' },
  { tag: '0018700A', keyword: 'DetectorID', type: '3', source: 'C.8.11.4 DX Detector' },
  { tag: '0018700C', keyword: 'DateOfLastDetectorCalibration', type: '3', source: 'C.8.11.4 DX Detector' },
  { tag: '0018700E', keyword: 'TimeOfLastDetectorCalibration', type: '3', source: 'C.8.11.4 DX Detector' },
  { tag: '0020000D', keyword: 'StudyInstanceUID', type: '1', source: 'C.7.2.1 General Study' },
  { tag: '0020000E', keyword: 'SeriesInstanceUID', type: '1', source: 'C.7.3.1 General Series' },
  { tag: '00200010', keyword: 'StudyID', type: '2', source: 'C.7.2.1 General Study' },
  { tag: '00200052', keyword: 'FrameOfReferenceUID', type: '1', source: 'C.7.4.1 Frame of Reference' },
  { tag: '00321060', keyword: 'RequestedProcedureDescription', type: '3', source: 'C.4.11 Request Attributes macro' },
  { tag: '00400555', keyword: 'AcquisitionContextSequence', type: '3', source: 'not in most image IODs' },
  { tag: '00400555', keyword: 'AcquisitionContextSequence', type: '2', sopClasses: WAVEFORM, source: 'C.7.6.14 Acquisition Context' },
  { tag: '00700084', keyword: 'ContentCreatorName', type: '2', source: 'C.10.9 Content Identification macro' },
  { tag: '300A0006', keyword: 'RTPlanDate', type: '2', source: 'C.8.8.9 RT General Plan' },
  { tag: '300A0007', keyword: 'RTPlanTime', type: '2', source: 'C.8.8.9 RT General Plan' },
  { tag: '300A00B2', keyword: 'TreatmentMachineName', type: '2', within: '300A00B0', source: 'C.8.8.14 RT Beams' },
  { tag: '300E0008', keyword: 'ReviewerName', type: '2', source: 'C.8.8.16 Approval (2C)' },
];

const byTag = new Map<string, TypeRule[]>();
for (const rule of ATTRIBUTE_TYPES) {
  const list = byTag.get(rule.tag) ?? [];
  list.push(rule);
  byTag.set(rule.tag, list);
}

/**
 * The Type of `tag` in an instance of `sopClassUid`, nested in an item of `parentSequence` (undefined at top
 * level), or undefined when the table does not know.
 */
export function attributeType(tag: string, sopClassUid: string | undefined, parentSequence: string | undefined): AttributeType | undefined {
  const rules = byTag.get(tag.toUpperCase());
  if (!rules) return undefined;
  const fits = (r: TypeRule): boolean =>
    (r.within === undefined || r.within === parentSequence) &&
    (r.sopClasses === undefined || (sopClassUid !== undefined && r.sopClasses.includes(sopClassUid)));
  const score = (r: TypeRule): number => (r.within ? 2 : 0) + (r.sopClasses ? 1 : 0);
  let best: TypeRule | undefined;
  for (const r of rules) {
    if (!fits(r)) continue;
    // Default entries describe the top-level module; inside other sequences only `within` entries apply.
    if (parentSequence !== undefined && r.within === undefined) continue;
    if (!best || score(r) > score(best)) best = r;
  }
  return best?.type;
}
