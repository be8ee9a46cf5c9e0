// The API group and version of every ShelfPulse custom resource.
export const group = 'shelfpulse.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
