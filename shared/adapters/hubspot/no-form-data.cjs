// Bundles alias `form-data` to this stub. @hubspot/api-client's HTTP layer imports form-data (and with
// it mime-db, 137 KB) only for multipart uploads, which leadclock never makes; JSON calls only test
// `body instanceof FormData`, which is false for this class.
module.exports = class FormData {
  constructor() {
    throw new Error('multipart uploads are not used by leadclock');
  }
};
