// The Content-Type /files/download gives a file by its extension, from the table Apache Mesos's
// libprocess carries (src/mime.cpp: Python 2's mimetypes.types_map); a file whose extension is
// not in it, or that has none (stdout, stderr), is application/octet-stream.

/** Media type -> the extensions (without their dot) that have it. */
const EXTENSIONS_BY_TYPE: Record<string, string> = {
  'application/msword': 'doc dot wiz',
  'application/octet-stream': 'a bin dll exe o obj so',
  'application/oda': 'oda',
  'application/pdf': 'pdf',
  'application/pkcs7-mime': 'p7c',
  'application/postscript': 'ai eps ps',
  'application/vnd.ms-excel': 'xlb xls',
  'application/vnd.ms-powerpoint': 'pot ppa pps ppt pwz',
  'application/x-bcpio': 'bcpio',
  'application/x-cpio': 'cpio',
  'application/x-csh': 'csh',
  'application/x-dvi': 'dvi',
  'application/x-gtar': 'gtar',
  'application/x-hdf': 'hdf',
  'application/x-javascript': 'js',
  'application/x-latex': 'latex',
  'application/x-mif': 'mif',
  'application/x-netcdf': 'cdf nc',
  'application/x-pkcs12': 'p12 pfx',
  'application/x-pn-realaudio': 'ram',
  'application/x-python-code': 'pyc pyo',
  'application/x-sh': 'sh',
  'application/x-shar': 'shar',
  'application/x-shockwave-flash': 'swf',
  'application/x-sv4cpio': 'sv4cpio',
  'application/x-sv4crc': 'sv4crc',
  'application/x-tar': 'tar',
  'application/x-tcl': 'tcl',
  'application/x-tex': 'tex',
  'application/x-texinfo': 'texi texinfo',
  'application/x-troff': 'roff t tr',
  'application/x-troff-man': 'man',
  'application/x-troff-me': 'me',
  'application/x-troff-ms': 'ms',
  'application/x-ustar': 'ustar',
  'application/x-wais-source': 'src',
  'application/xml': 'rdf wsdl xpdl xsl',
  'application/zip': 'zip',
  'audio/basic': 'au snd',
  'audio/mpeg': 'mp2 mp3',
  'audio/x-aiff': 'aif aifc aiff',
  'audio/x-pn-realaudio': 'ra',
  'audio/x-wav': 'wav',
  'image/gif': 'gif',
  'image/ief': 'ief',
  'image/jpeg': 'jpe jpeg jpg',
  'image/png': 'png',
  'image/tiff': 'tif tiff',
  'image/x-cmu-raster': 'ras',
  'image/x-ms-bmp': 'bmp',
  'image/x-portable-anymap': 'pnm',
  'image/x-portable-bitmap': 'pbm',
  'image/x-portable-graymap': 'pgm',
  'image/x-portable-pixmap': 'ppm',
  'image/x-rgb': 'rgb',
  'image/x-xbitmap': 'xbm',
  'image/x-xpixmap': 'xpm',
  'image/x-xwindowdump': 'xwd',
  'message/rfc822': 'eml mht mhtml nws',
  'text/css': 'css',
  'text/html': 'htm html',
  'text/plain': 'bat c h ksh pl txt',
  'text/richtext': 'rtx',
  'text/tab-separated-values': 'tsv',
  'text/x-python': 'py',
  'text/x-setext': 'etx',
  'text/x-sgml': 'sgm sgml',
  'text/x-vcard': 'vcf',
  'text/xml': 'xml',
  'video/mp4': 'mp4',
  'video/mpeg': 'm1v mpa mpe mpeg mpg',
  'video/quicktime': 'mov qt',
  'video/x-msvideo': 'avi',
  'video/x-sgi-movie': 'movie',
};

const TYPE_BY_EXTENSION = new Map<string, string>();
for (const [type, extensions] of Object.entries(EXTENSIONS_BY_TYPE)) {
  for (const ext of extensions.split(' ')) TYPE_BY_EXTENSION.set(ext, type);
}

/**
 * The media type of a file name, matched as libprocess matches it: the text after the last dot
 * of the name, case-sensitively.
 */
export function downloadType(name: string): string {
  const dot = name.lastIndexOf('.');
  const type = dot < 0 || name === '.' || name === '..' ? undefined : TYPE_BY_EXTENSION.get(name.slice(dot + 1));
  return type ?? 'application/octet-stream';
}
