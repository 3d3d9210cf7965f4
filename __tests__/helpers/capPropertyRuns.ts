// A jest setup file of the mutation run only: caps fast-check's default number of cases per property
// by PROPERTY_RUNS, as propertyRuns() caps the explicit ones.
import fc from 'fast-check';
import { propertyRuns } from './propertyRuns';

fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: propertyRuns(100) });
